/**
 * A reader for SentencePiece model files (`.model`, Marian's `source.spm` /
 * `target.spm`): a serialized ModelProto of sentencepiece_model.proto. Only
 * the protobuf wire format is needed — varints, length-delimited fields and
 * 32-bit floats — and only the fields that tokenizing uses are kept; every
 * other field is skipped by its wire type. Every length is checked against
 * the bytes left, so a damaged or hostile file is a FormatError naming the
 * field, never a read past the end or a hang.
 */
import { FormatError, InvalidArgumentError } from '../errors.js';

/** ModelProto.SentencePiece.Type. */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;
export type PieceType = (typeof PieceType)[keyof typeof PieceType];

/** TrainerSpec.ModelType. */
export const SpmModelType = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;
export type SpmModelType = (typeof SpmModelType)[keyof typeof SpmModelType];

export interface SentencePiece {
  piece: string;
  score: number;
  type: PieceType;
}

/** The TrainerSpec fields that matter after training, with the proto's defaults. */
export interface SpmTrainerSpec {
  modelType: SpmModelType;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  /** What decode writes for the unknown piece. */
  unkSurface: string;
}

export interface SpmNormalizerSpec {
  name: string;
  /** Empty for the identity normalizer. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SentencePieceModel {
  pieces: SentencePiece[];
  trainerSpec: SpmTrainerSpec;
  normalizerSpec: SpmNormalizerSpec;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const MAX_PIECES = 2 ** 24;
const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(file: string, message: string): FormatError {
  return new FormatError(`${file}: not a SentencePiece model (${message})`);
}

/** A cursor over one message's bytes; `path` names the message in errors. */
class Reader {
  pos: number;
  constructor(private readonly bytes: Uint8Array, readonly file: string, readonly path: string,
    start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  error(message: string): FormatError {
    return fail(this.file, `${this.path}: ${message} at byte ${this.pos}`);
  }

  /**
   * A varint's low 32 bits as a signed int32 (how protobuf reads int32 and enum fields, whose negative
   * values are written sign-extended to ten bytes). Longer values (uint64 fields) are only skipped.
   */
  varint(): number {
    return this.varint64().low;
  }

  /** A varint's low 32 bits (signed), and whether it has bits above bit 30 (too large for a length). */
  private varint64(): { low: number; wide: boolean } {
    let low = 0;
    let wide = false;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.error('truncated varint');
      const b = this.bytes[this.pos++]!;
      if (i < 5) low |= (b & 0x7f) << (7 * i);
      if ((i === 4 && (b & 0x78) !== 0) || (i > 4 && (b & 0x7f) !== 0)) wide = true;
      if ((b & 0x80) === 0) {
        if (i === 9 && b > 1) throw this.error('varint longer than 64 bits');
        return { low: low | 0, wide };
      }
    }
    throw this.error('varint longer than ten bytes');
  }

  /** A length-delimited field's [start, end), checked against the bytes left. */
  span(): [number, number] {
    const { low: length, wide } = this.varint64();
    if (wide || length < 0 || length > this.end - this.pos) {
      throw this.error(`length ${wide ? 'of more than 2^31' : length} past the end (${this.end - this.pos} bytes left)`);
    }
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }

  string(field: string): string {
    const [start, end] = this.span();
    try {
      return text.decode(this.bytes.subarray(start, end));
    } catch {
      throw fail(this.file, `${this.path}.${field} is not valid UTF-8`);
    }
  }

  bytesField(): Uint8Array {
    const [start, end] = this.span();
    return this.bytes.slice(start, end);
  }

  float(): number {
    if (this.end - this.pos < 4) throw this.error('truncated float');
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wire: number } {
    const key = this.varint();
    const field = key >>> 3;
    if (field === 0) throw this.error('field number 0');
    return { field, wire: key & 7 };
  }

  /** Skips a field of an unknown number; groups (wire types 3 and 4) are long deprecated and refused. */
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_BYTES) this.span();
    else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const size = wire === WIRE_FIXED64 ? 8 : 4;
      if (this.end - this.pos < size) throw this.error('truncated fixed-size field');
      this.pos += size;
    } else {
      throw this.error(`wire type ${wire}`);
    }
  }

  /** A sub-message as its own reader. */
  message(path: string): Reader {
    const [start, end] = this.span();
    return new Reader(this.bytes, this.file, path, start, end);
  }

  /** Checks that a known field came with the wire type its proto type has. */
  expect(wire: number, want: number, field: string): void {
    if (wire !== want) throw this.error(`${field} has wire type ${wire}, expected ${want}`);
  }
}

function readPiece(r: Reader): SentencePiece {
  const out: SentencePiece = { piece: '', score: 0, type: PieceType.NORMAL };
  let hasPiece = false;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, WIRE_BYTES, 'piece');
      out.piece = r.string('piece');
      hasPiece = true;
    } else if (field === 2) {
      r.expect(wire, WIRE_FIXED32, 'score');
      out.score = r.float();
      if (!Number.isFinite(out.score)) throw r.error(`score ${out.score}`);
    } else if (field === 3) {
      r.expect(wire, WIRE_VARINT, 'type');
      const type = r.varint();
      if (type < PieceType.NORMAL || type > PieceType.BYTE) throw r.error(`piece type ${type} (1 to 6)`);
      out.type = type as PieceType;
    } else {
      r.skip(wire);
    }
  }
  if (!hasPiece) throw r.error('no piece string');
  return out;
}

const TRAINER_FIELDS: Record<number, [keyof SpmTrainerSpec, 'int' | 'bool' | 'string']> = {
  3: ['modelType', 'int'], 40: ['unkId', 'int'], 41: ['bosId', 'int'], 42: ['eosId', 'int'], 43: ['padId', 'int'],
  35: ['byteFallback', 'bool'], 24: ['treatWhitespaceAsSuffix', 'bool'], 44: ['unkSurface', 'string'],
};

const NORMALIZER_FIELDS: Record<number, [keyof SpmNormalizerSpec, 'bool' | 'string' | 'bytes']> = {
  1: ['name', 'string'], 2: ['precompiledCharsmap', 'bytes'], 3: ['addDummyPrefix', 'bool'],
  4: ['removeExtraWhitespaces', 'bool'], 5: ['escapeWhitespaces', 'bool'],
};

/** Reads the fields of `table` into `target` (a message seen twice merges, as protobuf does). */
function readFields<T extends object>(r: Reader, target: T,
  table: Record<number, [keyof T, 'int' | 'bool' | 'string' | 'bytes']>): void {
  while (!r.done) {
    const { field, wire } = r.tag();
    const known = Object.hasOwn(table, field) ? table[field] : undefined;
    if (!known) {
      r.skip(wire);
      continue;
    }
    const [name, kind] = known;
    const slot = target as Record<keyof T, unknown>;
    if (kind === 'int' || kind === 'bool') {
      r.expect(wire, WIRE_VARINT, String(name));
      const v = r.varint();
      slot[name] = kind === 'bool' ? v !== 0 : v;
    } else {
      r.expect(wire, WIRE_BYTES, String(name));
      slot[name] = kind === 'string' ? r.string(String(name)) : r.bytesField();
    }
  }
}

/** The ids the trainer spec names must be pieces of the right type, as SentencePiece checks on load. */
function checkModel(model: SentencePieceModel, file: string): void {
  const { pieces, trainerSpec: spec } = model;
  if (pieces.length === 0) throw fail(file, 'no pieces');
  const type = spec.modelType;
  if (type < SpmModelType.UNIGRAM || type > SpmModelType.CHAR) throw fail(file, `trainer_spec.model_type ${type} (1 to 4)`);
  const seen = new Map<string, number>();
  pieces.forEach((p, id) => {
    const before = seen.get(p.piece);
    if (before !== undefined) throw fail(file, `piece ${id} "${p.piece}" repeats piece ${before}`);
    seen.set(p.piece, id);
    if (p.piece === '') throw fail(file, `piece ${id} is empty`);
    // Decode reads a byte piece's value from its name.
    if (p.type === PieceType.BYTE && !/^<0x[0-9A-F]{2}>$/.test(p.piece)) throw fail(file, `byte piece ${id} "${p.piece}" is not named <0xNN>`);
  });
  const unknown = pieces.flatMap((p, id) => (p.type === PieceType.UNKNOWN ? [id] : []));
  if (unknown.length !== 1) throw fail(file, `${unknown.length} unknown pieces (exactly one is needed)`);
  if (spec.unkId !== unknown[0]) throw fail(file, `trainer_spec.unk_id ${spec.unkId} is not the unknown piece ${unknown[0]}`);
  for (const [name, id] of [['bos_id', spec.bosId], ['eos_id', spec.eosId], ['pad_id', spec.padId]] as const) {
    if (id !== -1 && (id < 0 || id >= pieces.length)) throw fail(file, `trainer_spec.${name} ${id} is not a piece`);
  }
  if (spec.byteFallback) {
    for (let b = 0; b < 256; b++) {
      const name = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      const id = seen.get(name);
      if (id === undefined || pieces[id]!.type !== PieceType.BYTE) throw fail(file, `byte_fallback without the byte piece ${name}`);
    }
  }
}

/**
 * Parses a SentencePiece model file. `file` names it in errors (e.g.
 * "source.spm"). Throws FormatError for anything that is not a well-formed
 * ModelProto with one unknown piece, unique pieces and, with byte_fallback,
 * all 256 byte pieces; InvalidArgumentError when `bytes` is not a Uint8Array.
 */
export function readSentencePieceModel(bytes: Uint8Array, file = 'SentencePiece model'): SentencePieceModel {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`${file}: the model file must be given as its bytes (a Uint8Array)`);
  const model: SentencePieceModel = {
    pieces: [],
    trainerSpec: {
      modelType: SpmModelType.UNIGRAM, unkId: 0, bosId: 1, eosId: 2, padId: -1, byteFallback: false,
      treatWhitespaceAsSuffix: false, unkSurface: ' \u2047 ',
    },
    normalizerSpec: {
      name: '', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true,
    },
  };
  const r = new Reader(bytes, file, 'ModelProto');
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, WIRE_BYTES, 'pieces');
      if (model.pieces.length >= MAX_PIECES) throw r.error(`more than ${MAX_PIECES} pieces`);
      model.pieces.push(readPiece(r.message(`pieces[${model.pieces.length}]`)));
    } else if (field === 2) {
      r.expect(wire, WIRE_BYTES, 'trainer_spec');
      readFields(r.message('trainer_spec'), model.trainerSpec, TRAINER_FIELDS);
    } else if (field === 3) {
      r.expect(wire, WIRE_BYTES, 'normalizer_spec');
      readFields(r.message('normalizer_spec'), model.normalizerSpec, NORMALIZER_FIELDS);
    } else {
      r.skip(wire);
    }
  }
  checkModel(model, file);
  return model;
}
