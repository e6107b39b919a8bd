#!/usr/bin/env python3
"""Writes the transformer workload files of this folder from the papers' model tables.

    /usr/bin/python3 data/workloads/generate_transformers.py [--out-dir DIR]

writes bert_base.yaml, vit_b16.yaml, gpt2_prefill.yaml and gpt2_decode.yaml (the format is in
docs/workloads.md; attention and the KV cache in docs/transformers.md). Only the standard
library is used; the output is deterministic.

Sources:
  BERT:  J. Devlin, M.-W. Chang, K. Lee, K. Toutanova, "BERT: Pre-training of Deep
         Bidirectional Transformers for Language Understanding", NAACL 2019, Sec. 3
         (BERT-base: L = 12, H = 768, A = 12, feed-forward 4H = 3072).
  ViT:   A. Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for Image
         Recognition at Scale", ICLR 2021, Table 1 (ViT-Base: 12 layers, hidden 768, MLP 3072,
         12 heads) and Eq. 1-4 (pre-norm blocks, class token, learned position embedding).
  GPT-2: A. Radford et al., "Language Models are Unsupervised Multitask Learners", OpenAI
         2019, Table 2 (smallest model: 12 layers, d_model 768) and Sec. 2.3 (pre-norm, final
         layer norm, context 1024, vocabulary 50,257); 12 heads and the 4 x 768 feed-forward
         as in GPT (Radford et al. 2018, Sec. 4.1).
"""
import argparse
import os

D_MODEL = 768
HEADS = 12
FFN = 3072
BLOCKS = 12


def flow(layer):
    parts = []
    for key, value in layer.items():
        if isinstance(value, (list, tuple)):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            value = "true" if value else "false"
        parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


class Net:
    def __init__(self):
        self.lines = []
        self.last = "input"

    def comment(self, text):
        self.lines.append(f"  # {text}")

    def add(self, name, type_, inputs=None, **keys):
        layer = {"name": name, "type": type_}
        layer.update(keys)
        if inputs:
            layer["inputs"] = inputs
        self.lines.append(f"  - {flow(layer)}")
        self.last = name
        return name


def attention(net, p, x, causal=False, cached_tokens=0, store_kv=False):
    """Q, K, V projections on crossbars, the attention core, the output projection."""
    for proj in ("q", "k", "v"):
        net.add(f"{p}.attn.{proj}", "dense", inputs=[x], out_features=D_MODEL)
    keys = {"heads": HEADS}
    if causal:
        keys["causal"] = True
    if cached_tokens:
        keys["cached_tokens"] = cached_tokens
    if store_kv:
        keys["store_kv"] = True
    net.add(f"{p}.attn.core", "attention",
            inputs=[f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.v"], **keys)
    return net.add(f"{p}.attn.out", "dense", out_features=D_MODEL)


def mlp(net, p, x, gelu_name="gelu"):
    net.add(f"{p}.mlp.fc1", "dense", inputs=[x], out_features=FFN)
    net.add(f"{p}.mlp.{gelu_name}", "gelu")
    return net.add(f"{p}.mlp.fc2", "dense", out_features=D_MODEL)


def post_norm_block(net, p, x):
    """BERT (Vaswani et al. 2017's order): sublayer, residual add, then layer norm."""
    a = attention(net, p, x)
    net.add(f"{p}.add1", "add", inputs=[a, x])
    h = net.add(f"{p}.ln1", "layernorm")
    m = mlp(net, p, h)
    net.add(f"{p}.add2", "add", inputs=[m, h])
    return net.add(f"{p}.ln2", "layernorm")


def pre_norm_block(net, p, x, **attention_keys):
    """ViT and GPT-2: layer norm, sublayer, residual add."""
    net.add(f"{p}.ln1", "layernorm", inputs=[x])
    a = attention(net, p, f"{p}.ln1", **attention_keys)
    h = net.add(f"{p}.add1", "add", inputs=[a, x])
    net.add(f"{p}.ln2", "layernorm")
    m = mlp(net, p, f"{p}.ln2")
    return net.add(f"{p}.add2", "add", inputs=[m, h])


def bert_base():
    net = Net()
    net.comment("input: the 128 token embeddings (word + position + segment, looked up "
                "outside the accelerator on both sides), then the embedding layer norm")
    x = net.add("embeddings.ln", "layernorm")
    for i in range(BLOCKS):
        net.comment(f"encoder layer {i}: 12-head self-attention, 768 -> 3072 -> 768 MLP, "
                    "post-norm")
        x = post_norm_block(net, f"encoder.{i}", x)
    net.comment("pooler: the [CLS] token through a 768-d dense layer and tanh; a 2-way "
                "classifier (a GLUE sentence-pair task)")
    net.add("pooler.cls", "select_token", index=0)
    net.add("pooler.dense", "dense", out_features=D_MODEL)
    net.add("pooler.tanh", "tanh")
    net.add("classifier", "dense", out_features=2)
    return net


def vit_b16():
    net = Net()
    net.comment("patch embedding: 16x16 patches, stride 16 -> 14 x 14 = 196 tokens of 768; "
                "class token and learned position embedding -> 197 tokens")
    net.add("patch_embed", "conv2d", out_channels=D_MODEL, kernel=(16, 16), stride=(16, 16),
            padding=(0, 0))
    net.add("tokens", "to_tokens")
    net.add("cls_token", "prepend_token")
    x = net.add("pos_embed", "add_constant")
    for i in range(BLOCKS):
        net.comment(f"block {i}: pre-norm, 12-head self-attention, 768 -> 3072 -> 768 MLP")
        x = pre_norm_block(net, f"blocks.{i}", x)
    net.comment("head: final layer norm, the class token, 1000-way linear")
    net.add("norm", "layernorm")
    net.add("cls", "select_token", index=0)
    net.add("head", "dense", out_features=1000)
    return net


def gpt2(tokens_cached):
    net = Net()
    x = "input"
    for i in range(BLOCKS):
        net.comment(f"block {i}: pre-norm, causal 12-head attention (keys and values kept "
                    "in the KV cache), 768 -> 3072 -> 768 MLP")
        x = pre_norm_block(net, f"h.{i}", x, causal=True, cached_tokens=tokens_cached,
                           store_kv=True)
    net.comment("final layer norm; the language-model head (768 x 50257, tied to the token "
                "embedding) on the last position, which predicts the next token")
    net.add("ln_f", "layernorm")
    net.add("last", "select_token", index=-1)
    net.add("lm_head", "dense", out_features=50257)
    return net


PREFILL_TOKENS = 512

WORKLOADS = {
    "bert_base": (bert_base, [128, D_MODEL], 2,
                  "J. Devlin et al., BERT, NAACL 2019, Sec. 3 (BERT-base: 12 layers, hidden 768, "
                  "12 heads, feed-forward 3072); sequence length 128; embeddings looked up "
                  "outside the accelerator; pooler and a 2-way classifier"),
    "vit_b16": (vit_b16, [3, 224, 224], 1000,
                "A. Dosovitskiy et al., An Image is Worth 16x16 Words, ICLR 2021, Table 1 "
                "(ViT-Base: 12 layers, hidden 768, MLP 3072, 12 heads), patch 16, 224x224 input, "
                "class token, 1000 classes"),
    "gpt2_prefill": (lambda: gpt2(0), [PREFILL_TOKENS, D_MODEL], 50257,
                     "A. Radford et al., Language Models are Unsupervised Multitask Learners, "
                     "2019, Table 2 (GPT-2 small: 12 layers, d_model 768) and Sec. 2.3; 12 "
                     "heads; prefill of a 512-token prompt (embeddings looked up outside the "
                     "accelerator), keys and values written to the KV cache"),
    "gpt2_decode": (lambda: gpt2(PREFILL_TOKENS), [1, D_MODEL], 50257,
                    "A. Radford et al., Language Models are Unsupervised Multitask Learners, "
                    "2019, Table 2 (GPT-2 small) and Sec. 2.3; one generated token after a "
                    "512-token prompt: attention reads the 512 cached keys and values from "
                    "DRAM and appends its own; one inference is one generated token"),
}


def render(name, builder, input_shape, classes, source):
    net = builder()
    header = [
        f"# {name}: layer shapes for xbarsim (docs/workloads.md, docs/transformers.md).",
        "# Generated by data/workloads/generate_transformers.py from the model table cited in",
        "# `source`; edit the script, not this file.",
        f"name: {name}",
        f'source: "{source}"',
        f"input: [{', '.join(str(d) for d in input_shape)}]",
        f"num_classes: {classes}",
        "layers:",
    ]
    return "\n".join(header + net.lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)),
                        help="where to write the files (default: this script's folder)")
    args = parser.parse_args()
    for name, (builder, shape, classes, source) in WORKLOADS.items():
        path = os.path.join(args.out_dir, f"{name}.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(name, builder, shape, classes, source))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
