// A hashing worker that cannot start: its script throws (tests/js/sha256-background.test.mjs).
throw new Error('this worker script throws on purpose');
