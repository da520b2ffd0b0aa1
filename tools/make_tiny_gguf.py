#!/usr/bin/env python3
"""Generate a tiny llama-architecture GGUF model (random weights) for the integration tier.

No model can be downloaded in tests or CI, and a committed binary model would be opaque, so the
integration fixture builds one here in well under a second: 2 layers, width 64, a vocabulary of a
few hundred tokens (special tokens, the 256 byte-fallback tokens, printable ASCII and a handful of
code words), seeded weights, and a chat template in the metadata. llama.cpp loads it like any
other llama model; its output is gibberish, deterministic at temperature 0.

    python tools/make_tiny_gguf.py OUT.gguf [--seed 0] [--context 2048]

Needs the `gguf` package and numpy (the `[llama]` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_FF = 128
SPACE = "\u2581"  # SentencePiece's visible space

# Chat roles and turn end as control tokens, so a prompt's structure is one token each.
CHAT_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
# A few multi-character pieces so the gibberish sometimes looks like code (fences, keywords):
# that exercises the extractor and the sandbox on junk, not just on prose.
WORDS = ["```", "```python", "def", "return", "import", "class", "self", "if", "for", "in",
         "print", "snake", "game", "True", "False", "None", "pygame", "while"]


def build_vocab() -> tuple[list[str], list[float], list[int]]:
    """SentencePiece-style vocabulary: (tokens, scores, token types)."""
    from gguf import TokenType

    tokens: list[str] = ["<unk>", "<s>", "</s>"]
    types: list[int] = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
    tokens += CHAT_TOKENS
    types += [TokenType.CONTROL] * len(CHAT_TOKENS)
    # Byte fallback: llama.cpp's SPM tokenizer needs <0xNN> for every byte it cannot spell.
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [TokenType.BYTE] * 256
    pieces = [SPACE] + [chr(c) for c in range(0x21, 0x7F)]
    # SPM merges only into pieces that exist, so every prefix of a word must be a piece too.
    for word in WORDS:
        for w in (word, SPACE + word):
            pieces += [w[:i] for i in range(2, len(w) + 1)]
    seen = set(tokens)
    scores = [0.0] * len(tokens)
    for piece in pieces:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(TokenType.NORMAL)
            scores.append(-1.0 / len(piece))  # longer pieces merge first
    return tokens, scores, types


def generatable(tokens: list[str], types: list[int]) -> np.ndarray:
    """Tokens the model may emit: normal pieces, newline and end-of-sequence.

    Other bytes would make invalid UTF-8 and control tokens would end turns at random, neither
    of which is what a real model usually does; they keep a zero output row and never win.
    """
    from gguf import TokenType

    ok = np.array([t == TokenType.NORMAL for t in types])
    ok[tokens.index("<0x0A>")] = True
    ok[tokens.index("</s>")] = True
    return ok


def write_model(path: Path, seed: int = 0, context: int = 2048) -> Path:
    import gguf

    rng = np.random.default_rng(seed)
    tokens, scores, types = build_vocab()
    n_vocab = len(tokens)
    head_dim = N_EMBD // N_HEAD

    def w(*shape: int, std: float) -> np.ndarray:
        return (rng.standard_normal(shape) * std).astype(np.float32)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("evalkit-tiny")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_vocab_size(n_vocab)
    writer.add_context_length(context)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    # numpy shapes are (rows=out, cols=in); gguf stores them as ggml's reversed (in, out).
    writer.add_tensor("token_embd.weight", w(n_vocab, N_EMBD, std=1.0))
    for i in range(N_LAYER):
        p = f"blk.{i}."
        writer.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(p + name + ".weight", w(N_EMBD, N_EMBD, std=N_EMBD ** -0.5))
        writer.add_tensor(p + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(p + "ffn_gate.weight", w(N_FF, N_EMBD, std=N_EMBD ** -0.5))
        writer.add_tensor(p + "ffn_up.weight", w(N_FF, N_EMBD, std=N_EMBD ** -0.5))
        writer.add_tensor(p + "ffn_down.weight", w(N_EMBD, N_FF, std=N_FF ** -0.5))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    out = w(n_vocab, N_EMBD, std=1.0)
    out[~generatable(tokens, types)] = 0.0
    writer.add_tensor("output.weight", out)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the .gguf file")
    parser.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
    parser.add_argument("--context", type=int, default=2048, help="context length (default 2048)")
    args = parser.parse_args(argv)
    path = write_model(args.out, seed=args.seed, context=args.context)
    print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
