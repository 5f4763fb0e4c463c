"""Merge an encoder-decoder's two decoder exports into one graph, as optimum's merge_decoders
does for the decoder_model_merged.onnx that transformers.js loads:

- decoder_model.onnx (no past: computes every layer's cross-attention keys and values from
  encoder_hidden_states) becomes the `else` branch of an If on the boolean input
  use_cache_branch [1];
- decoder_with_past_model.onnx (reads past_key_values.N.{decoder,encoder}.{key,value}) becomes
  the `then` branch;
- the weights both hold are stored once, in the outer graph, where both branches read them;
- the with-past branch has no present.N.encoder.* outputs (the cross-attention keys and values do
  not change once made): it outputs a constant in their place, and the caller keeps the ones the
  first step returned (transformers.js getPastKeyValues: "Optimization introduced by optimum to
  reuse past key values").

The merged model's inputs are the union of the two models' (plus use_cache_branch), its outputs
those of decoder_model.onnx. Needs Debian's python3-onnx (1.12).
"""
import onnx
from onnx import TensorProto, helper


def _shared_initializers(a, b):
    """The initializers both graphs hold under one name with the same bytes (the weights)."""
    in_b = {t.name: t for t in b.initializer}
    return [t for t in a.initializer if t.name in in_b and in_b[t.name].SerializeToString() == t.SerializeToString()]


def _branch(graph, prefix, outer_names, output_names):
    """graph as an If branch: its own values renamed under prefix (sibling branches must not define
    the same names), outer inputs and shared weights read from the enclosing scope, the outputs in
    output_names order; an output the graph lacks is a constant [1, 1, 1, 1] zero."""
    def rename(name):
        return name if name == "" or name in outer_names else prefix + name

    nodes = []
    for node in graph.node:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copy.input[:] = [rename(n) for n in node.input]
        copy.output[:] = [rename(n) for n in node.output]
        copy.name = prefix + (node.name or node.op_type)
        nodes.append(copy)
    local = []
    for init in graph.initializer:
        if init.name in outer_names:
            continue
        copy = onnx.TensorProto()
        copy.CopyFrom(init)
        copy.name = rename(init.name)
        local.append(copy)
    produced = {o.name for o in graph.output}
    outputs = []
    for name in output_names:
        if name in produced:
            outputs.append(helper.make_tensor_value_info(rename(name), TensorProto.FLOAT, None))
            continue
        const = prefix + name + ".constant"
        nodes.append(helper.make_node("Constant", [], [const], name=const,
                                      value=helper.make_tensor(const + ".value", TensorProto.FLOAT, [1, 1, 1, 1], [0.0])))
        outputs.append(helper.make_tensor_value_info(const, TensorProto.FLOAT, None))
    return helper.make_graph(nodes, prefix + "graph", [], outputs, initializer=local)


def merge_decoders(no_past_path, with_past_path, out_path):
    no_past = onnx.load(no_past_path)
    with_past = onnx.load(with_past_path)
    shared = _shared_initializers(no_past.graph, with_past.graph)
    inputs, seen = [], set()
    for value in list(no_past.graph.input) + list(with_past.graph.input):
        if value.name not in seen:
            seen.add(value.name)
            inputs.append(value)
    inputs.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    outer_names = seen | {t.name for t in shared}
    outputs = list(no_past.graph.output)
    names = [o.name for o in outputs]
    then_branch = _branch(with_past.graph, "with_past/", outer_names, names)
    else_branch = _branch(no_past.graph, "no_past/", outer_names, names)
    if_node = helper.make_node("If", ["use_cache_branch"], names, name="optimum::if",
                               then_branch=then_branch, else_branch=else_branch)
    graph = helper.make_graph([if_node], "merged_decoder", inputs, outputs, initializer=shared)
    model = helper.make_model(graph, opset_imports=no_past.opset_import, producer_name="bench/seq2seq/onnx_merge.py")
    model.ir_version = no_past.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    return {"shared_initializers": len(shared), "inputs": len(inputs), "outputs": len(outputs)}
