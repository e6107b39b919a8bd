#!/usr/bin/env python3
"""Writes the ImageNet workload files of this folder from the papers' architecture tables.

    /usr/bin/python3 data/workloads/generate.py [--out-dir DIR]

writes resnet18.yaml, resnet50.yaml and vgg16.yaml (the format is in docs/workloads.md).
The Fashion-MNIST workloads (fmnist_*.yaml) are written by hand. Only the standard library is
used; the output is deterministic, so re-running it on an unchanged script changes nothing.

Sources:
  ResNet: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition",
          CVPR 2016, Table 1 and Fig. 5.
  VGG:    K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
          Recognition", ICLR 2015, Table 1 (configuration D).
"""
import argparse
import os

IMAGENET_INPUT = [3, 224, 224]
IMAGENET_CLASSES = 1000


def pair(v):
    return f"[{v}, {v}]"


def conv(name, out_channels, kernel, stride, padding, inputs=None):
    layer = {"name": name, "type": "conv2d", "out_channels": out_channels,
             "kernel": pair(kernel), "stride": pair(stride), "padding": pair(padding)}
    if inputs:
        layer["inputs"] = inputs
    return layer


def simple(name, type_, inputs=None):
    layer = {"name": name, "type": type_}
    if inputs:
        layer["inputs"] = inputs
    return layer


def maxpool(name, kernel, stride, padding):
    return {"name": name, "type": "maxpool2d", "kernel": pair(kernel), "stride": pair(stride),
            "padding": pair(padding)}


def dense(name, out_features):
    return {"name": name, "type": "dense", "out_features": out_features}


def flow(layer):
    parts = []
    for key, value in layer.items():
        if isinstance(value, list):
            value = "[" + ", ".join(value) + "]"
        parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


class Net:
    def __init__(self):
        self.lines = []
        self.last = "input"  # name of the most recent layer

    def comment(self, text):
        self.lines.append(f"  # {text}")

    def add(self, layer):
        self.lines.append(f"  - {flow(layer)}")
        self.last = layer["name"]


# ---- ResNet (He et al. 2016, Table 1) ----
# Stem: 7x7/2 conv with 64 filters, then 3x3/2 max pool (conv1 and the start of conv2_x).
# Stages conv2_x..conv5_x: 64, 128, 256, 512 filters; conv3_1, conv4_1 and conv5_1 downsample
# with stride 2. A shortcut whose shape changes is a 1x1 convolution with that stride
# (projection shortcut, the paper's option B for increasing dimensions, as torchvision does).
# Head: global average pool and a 1000-way fully connected layer.
# Layer names follow torchvision's module names (conv1, layer1.0.conv1, layer1.0.downsample.0,
# fc), so each crossbar layer can be matched to a state-dict key. Batch norm is omitted: it
# folds into the convolution before it.

def stem(net):
    net.comment("conv1: 7x7, 64, stride 2 -> 112x112; then 3x3 max pool, stride 2 -> 56x56")
    net.add(conv("conv1", 64, 7, 2, 3))
    net.add(simple("relu", "relu"))
    net.add(maxpool("maxpool", 3, 2, 1))


def head(net, name):
    net.comment(f"{name}: global average pool, 1000-d fc")
    net.add({"name": "avgpool", "type": "avgpool2d", "global": "true"})
    net.add(simple("flatten", "flatten"))
    net.add(dense("fc", IMAGENET_CLASSES))


def basic_block(net, prefix, in_channels, channels, stride):
    block_input = net.last
    net.add(conv(f"{prefix}.conv1", channels, 3, stride, 1))
    net.add(simple(f"{prefix}.relu1", "relu"))
    net.add(conv(f"{prefix}.conv2", channels, 3, 1, 1))
    shortcut = block_input
    if stride != 1 or in_channels != channels:
        shortcut = f"{prefix}.downsample.0"
        net.add(conv(shortcut, channels, 1, stride, 0, inputs=[block_input]))
    net.add(simple(f"{prefix}.add", "add", inputs=[f"{prefix}.conv2", shortcut]))
    net.add(simple(f"{prefix}.relu2", "relu"))
    return channels


# ResNet v1.5 bottleneck (torchvision): 1x1 reduce, 3x3 carrying the stride, 1x1 expand (x4).
# The paper's v1 puts the stride on the first 1x1 instead.
def bottleneck(net, prefix, in_channels, width, stride):
    block_input = net.last
    out_channels = 4 * width
    net.add(conv(f"{prefix}.conv1", width, 1, 1, 0))
    net.add(simple(f"{prefix}.relu1", "relu"))
    net.add(conv(f"{prefix}.conv2", width, 3, stride, 1))
    net.add(simple(f"{prefix}.relu2", "relu"))
    net.add(conv(f"{prefix}.conv3", out_channels, 1, 1, 0))
    shortcut = block_input
    if stride != 1 or in_channels != out_channels:
        shortcut = f"{prefix}.downsample.0"
        net.add(conv(shortcut, out_channels, 1, stride, 0, inputs=[block_input]))
    net.add(simple(f"{prefix}.add", "add", inputs=[f"{prefix}.conv3", shortcut]))
    net.add(simple(f"{prefix}.relu3", "relu"))
    return out_channels


def resnet(block, blocks_per_stage, stage_text):
    net = Net()
    stem(net)
    channels = 64
    for stage, (blocks, width) in enumerate(zip(blocks_per_stage, [64, 128, 256, 512])):
        net.comment(stage_text[stage])
        for b in range(blocks):
            stride = 2 if stage > 0 and b == 0 else 1
            channels = block(net, f"layer{stage + 1}.{b}", channels, width, stride)
    head(net, "avgpool/fc")
    return net


def resnet18():
    return resnet(basic_block, [2, 2, 2, 2], [
        "conv2_x (layer1): [3x3, 64; 3x3, 64] x 2, 56x56",
        "conv3_x (layer2): [3x3, 128; 3x3, 128] x 2, 28x28 (stride 2 in layer2.0)",
        "conv4_x (layer3): [3x3, 256; 3x3, 256] x 2, 14x14 (stride 2 in layer3.0)",
        "conv5_x (layer4): [3x3, 512; 3x3, 512] x 2, 7x7 (stride 2 in layer4.0)",
    ])


def resnet50():
    return resnet(bottleneck, [3, 4, 6, 3], [
        "conv2_x (layer1): [1x1, 64; 3x3, 64; 1x1, 256] x 3, 56x56",
        "conv3_x (layer2): [1x1, 128; 3x3, 128; 1x1, 512] x 4, 28x28 (stride 2 on layer2.0.conv2)",
        "conv4_x (layer3): [1x1, 256; 3x3, 256; 1x1, 1024] x 6, 14x14 (stride 2 on layer3.0.conv2)",
        "conv5_x (layer4): [1x1, 512; 3x3, 512; 1x1, 2048] x 3, 7x7 (stride 2 on layer4.0.conv2)",
    ])


# ---- VGG-16 (Simonyan & Zisserman 2015, Table 1, configuration D) ----
# Every convolution is 3x3, stride 1, padding 1; every max pool is 2x2, stride 2. Names follow
# the authors' released Caffe model (conv1_1 ... fc8). Dropout is omitted (inference);
# torchvision's AdaptiveAvgPool2d((7, 7)) is the identity at 224x224 and is omitted too.

def vgg16():
    net = Net()
    for block, (channels, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        size = 224 >> block
        net.comment(f"block {block + 1}: {convs} x conv3-{channels} at {size}x{size}, "
                    f"max pool -> {size // 2}x{size // 2}")
        for i in range(convs):
            net.add(conv(f"conv{block + 1}_{i + 1}", channels, 3, 1, 1))
            net.add(simple(f"relu{block + 1}_{i + 1}", "relu"))
        net.add(maxpool(f"pool{block + 1}", 2, 2, 0))
    net.comment("classifier: FC-4096, FC-4096, FC-1000 (512 x 7 x 7 = 25088 inputs)")
    net.add(simple("flatten", "flatten"))
    net.add(dense("fc6", 4096))
    net.add(simple("relu6", "relu"))
    net.add(dense("fc7", 4096))
    net.add(simple("relu7", "relu"))
    net.add(dense("fc8", IMAGENET_CLASSES))
    return net


WORKLOADS = {
    "resnet18": (
        resnet18,
        "K. He, X. Zhang, S. Ren, J. Sun, Deep Residual Learning for Image Recognition, "
        "CVPR 2016, Table 1 (18-layer), projection (1x1 stride-2) shortcuts where the shape "
        "changes, as torchvision resnet18; ImageNet 224x224 input",
    ),
    "resnet50": (
        resnet50,
        "K. He, X. Zhang, S. Ren, J. Sun, Deep Residual Learning for Image Recognition, "
        "CVPR 2016, Table 1 (50-layer) with Fig. 5 bottleneck blocks; ResNet v1.5 as "
        "torchvision resnet50: the stride-2 of conv3_1, conv4_1, conv5_1 is on the 3x3 "
        "convolution (the paper puts it on the first 1x1); projection (1x1) shortcuts where "
        "the shape changes; ImageNet 224x224 input",
    ),
    "vgg16": (
        vgg16,
        "K. Simonyan, A. Zisserman, Very Deep Convolutional Networks for Large-Scale Image "
        "Recognition, ICLR 2015, Table 1 configuration D (16 weight layers), classifier "
        "25088-4096-4096-1000; ImageNet 224x224 input",
    ),
}


def render(name, builder, source):
    net = builder()
    header = [
        f"# {name}: layer shapes for xbarsim (docs/workloads.md).",
        "# Generated by data/workloads/generate.py from the architecture table cited in `source`;",
        "# edit the script, not this file. Batch norm is omitted: it folds into the convolution",
        "# before it, so it adds no crossbar weights and no digital work at inference.",
        f"name: {name}",
        f'source: "{source}"',
        f"input: [{', '.join(str(d) for d in IMAGENET_INPUT)}]",
        f"num_classes: {IMAGENET_CLASSES}",
        "layers:",
    ]
    return "\n".join(header + net.lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)),
                        help="where to write the files (default: this script's folder)")
    args = parser.parse_args()
    for name, (builder, source) in WORKLOADS.items():
        path = os.path.join(args.out_dir, f"{name}.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(name, builder, source))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
