using CourseWorkbook.Models;
using static TorchSharp.torch;

namespace CourseWorkbook.Weights;

/// <summary>One model parameter recovered from an ONNX graph: its checkpoint name (Hugging Face or torchvision), the
/// initializer that holds it and whether that initializer is stored transposed (a MatMul's [in, out] weight).</summary>
public sealed record OnnxMappedWeight(string Name, OnnxTensorInfo Source, bool Transposed)
{
    /// <summary>The parameter's PyTorch shape ([out, in] for a Linear weight).</summary>
    public long[] Shape => Transposed ? Source.Dims.Reverse().ToArray() : Source.Dims;
}

/// <summary>What naming an ONNX graph's initializers gave: the weights by checkpoint name, the initializers that are
/// graph constants rather than weights (shape values, position ids), and any float initializer left without a
/// name.</summary>
public sealed record OnnxWeightMap(string Source, IReadOnlyList<OnnxMappedWeight> Weights,
    IReadOnlyList<string> Constants, IReadOnlyList<string> Unmapped)
{
    /// <summary>True when every initializer is either a named weight or a constant.</summary>
    public bool IsComplete => Unmapped.Count == 0;

    /// <summary>The weights as a tensor source for <see cref="StateDict.Load"/> (transposed ones are read
    /// transposed).</summary>
    public ITensorSource ToTensorSource(OnnxFile file)
    {
        var byName = Weights.ToDictionary(w => w.Name);
        return new OnnxTensorSource(Source, Weights.Select(w => (w.Name, w.Shape)).ToList(), name =>
        {
            var w = byName[name];
            var t = file.ReadTensor(w.Source);
            if (!w.Transposed) return t;
            using (t) return t.t().contiguous();
        });
    }

    sealed record OnnxTensorSource(string Description, IEnumerable<(string Name, long[] Shape)> Entries,
        Func<string, Tensor> Reader) : ITensorSource
    {
        public Tensor Read(string name) => Reader(name);
    }
}

/// <summary> Recovers checkpoint names for the anonymous initializers of exported graphs by walking the graph: a BERT
/// exported by PyTorch (Linear weights become unnamed MatMul inputs, stored [in, out]; the Add after each MatMul takes
/// the named bias) and a ResNet exported by CNTK (every weight is ParameterNN/ConstantNN; the Conv → BatchNormalization
/// → Add structure gives torchvision's names).
/// </summary>
public static class OnnxWeights
{
    /// <summary>Hugging Face BERT names (embeddings.*, encoder.layer.N.*, pooler.dense.*) for every float initializer
    /// of a PyTorch-exported BERT: named initializers keep their names, each MatMul weight takes the name of the bias
    /// its Add adds, with ".bias" replaced by ".weight", and is marked transposed. Integer initializers are
    /// constants.</summary>
    public static OnnxWeightMap BertNames(OnnxFile file)
    {
        var weights = new List<OnnxMappedWeight>();
        var constants = new List<string>();
        var unmapped = new List<string>();
        var consumers = Consumers(file);
        foreach (var init in file.Initializers)
        {
            if (init.DataType != OnnxDataType.Float) { constants.Add(init.Name); continue; }
            if (IsHfName(init.Name)) { weights.Add(new OnnxMappedWeight(init.Name, init, false)); continue; }
            var bias = consumers.GetValueOrDefault(init.Name, [])
                .Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2 && n.Inputs[1] == init.Name)
                .SelectMany(m => consumers.GetValueOrDefault(m.Outputs[0], []).Where(a => a.OpType == "Add"))
                .SelectMany(a => a.Inputs)
                .FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && IsHfName(i));
            if (bias is null) unmapped.Add(init.Name);
            else weights.Add(new OnnxMappedWeight(bias[..^".bias".Length] + ".weight", init, true));
        }
        return new OnnxWeightMap(file.Path, weights, constants, unmapped);
    }

    static bool IsHfName(string name) =>
        name.StartsWith("embeddings.", StringComparison.Ordinal) ||
        name.StartsWith("encoder.layer.", StringComparison.Ordinal) ||
        name.StartsWith("pooler.", StringComparison.Ordinal);

    /// <summary>The number of attention heads of a PyTorch-exported BERT: the third entry of the shape that the first
    /// layer's key projection is reshaped to ([B, T, heads, head_dim]), read from its initializer or Constant
    /// node.</summary>
    public static int BertHeads(OnnxFile file)
    {
        var consumers = Consumers(file);
        var keyAdd = file.Nodes.First(n =>
            n.OpType == "Add" && n.Inputs.Contains("encoder.layer.0.attention.self.key.bias"));
        var reshape = consumers[keyAdd.Outputs[0]].First(n => n.OpType == "Reshape");
        var concat = file.ProducerOf(reshape.Inputs[1])
                     ?? throw new InvalidDataException($"{file.Path}: no shape for the key reshape");
        string headsValue = concat.Inputs[2];
        var info = file.Initializer(headsValue) ?? file.ProducerOf(headsValue)?.Attributes.GetValueOrDefault("value")?.T
                   ?? throw new InvalidDataException(
                       $"{file.Path}: the number of heads ({headsValue}) is not a constant");
        using var t = file.ReadTensor(info);
        return (int)t.reshape(-1)[0].item<long>();
    }

    /// <summary>The shape of a torchvision-style ResNet built from basic blocks, read from a CNTK-exported graph, and
    /// the torchvision name of every weight (conv1, bn1, layerS.B.conv1/bn1/conv2/bn2,
    /// layerS.0.downsample.0/1).</summary>
    /// <param name="Map">The weights by torchvision name.</param>
    /// <param name="Config">Blocks per stage, widths and the graph's paddings.</param>
    public sealed record ResNetGraph(OnnxWeightMap Map, ResNetConfig Config);

    /// <summary>Walks a ResNet graph: the first Conv → BatchNormalization is the stem; every residual Add ends a basic
    /// block whose main path is Add ← BN(bn2) ← Conv(conv2) ← Relu ← BN(bn1) ← Conv(conv1) and whose shortcut, when it
    /// is a BatchNormalization, is BN(downsample.1) ← Conv(downsample.0). A block with a downsample starts a new
    /// stage.</summary>
    public static ResNetGraph TorchvisionResNetNames(OnnxFile file)
    {
        var weights = new List<OnnxMappedWeight>();
        OnnxNode Producer(string value, string op) =>
            file.ProducerOf(value) is { } n && n.OpType == op ? n
                : throw new InvalidDataException(
                    $"{file.Path}: expected {op} to produce '{value}', found " +
                    $"{file.ProducerOf(value)?.OpType ?? "none"}");
        void Conv(OnnxNode conv, string name)
        {
            weights.Add(new OnnxMappedWeight($"{name}.weight", Init(file, conv.Inputs[1]), false));
            if (conv.Inputs.Count > 2)
                weights.Add(new OnnxMappedWeight($"{name}.bias", Init(file, conv.Inputs[2]), false));
        }
        void Bn(OnnxNode bn, string name)
        {
            string[] parts = ["weight", "bias", "running_mean", "running_var"];
            for (int i = 0; i < 4; i++)
                weights.Add(new OnnxMappedWeight($"{name}.{parts[i]}", Init(file, bn.Inputs[i + 1]), false));
        }
        // A block's main path ends BN(bn2) ← Conv(conv2) ← Relu ← BN(bn1); its shortcut is the Add's other input.
        bool IsMainPath(OnnxNode? bn2)
        {
            var conv2 = bn2?.OpType == "BatchNormalization" ? file.ProducerOf(bn2.Inputs[0]) : null;
            var relu = conv2?.OpType == "Conv" ? file.ProducerOf(conv2.Inputs[0]) : null;
            return relu?.OpType == "Relu" && file.ProducerOf(relu.Inputs[0])?.OpType == "BatchNormalization";
        }
        var stemConv = file.Nodes.First(n => n.OpType == "Conv");
        Conv(stemConv, "conv1");
        var stemBn = file.Nodes.First(n => n.OpType == "BatchNormalization" && n.Inputs[0] == stemConv.Outputs[0]);
        Bn(stemBn, "bn1");
        var pool = file.Nodes.First(n => n.OpType == "MaxPool");
        var blocks = new List<int>();
        var widths = new List<int>();
        long[]? stridePads = null;
        foreach (var add in file.Nodes.Where(n => n.OpType == "Add"))
        {
            var bn2 = add.Inputs.Select(file.ProducerOf).First(IsMainPath)!;
            var conv2 = Producer(bn2.Inputs[0], "Conv");
            var relu = Producer(conv2.Inputs[0], "Relu");
            var bn1 = Producer(relu.Inputs[0], "BatchNormalization");
            var conv1 = Producer(bn1.Inputs[0], "Conv");
            string shortcut = add.Inputs.First(i => i != bn2.Outputs[0]);
            var downBn = file.ProducerOf(shortcut) is { OpType: "BatchNormalization" } d ? d : null;
            if (downBn is not null || blocks.Count == 0)
            {
                blocks.Add(0);
                widths.Add((int)Init(file, conv1.Inputs[1]).Dims[0]);
            }
            string prefix = $"layer{blocks.Count}.{blocks[^1]}";
            blocks[^1]++;
            Conv(conv1, $"{prefix}.conv1"); Bn(bn1, $"{prefix}.bn1");
            Conv(conv2, $"{prefix}.conv2"); Bn(bn2, $"{prefix}.bn2");
            if (downBn is not null)
            {
                Conv(Producer(downBn.Inputs[0], "Conv"), $"{prefix}.downsample.0");
                Bn(downBn, $"{prefix}.downsample.1");
                stridePads ??= conv1.Ints("pads", [1, 1, 1, 1]);
            }
        }
        var named = weights.Select(w => w.Source.Name).ToHashSet();
        var unmapped = file.Initializers.Select(i => i.Name).Where(n => !named.Contains(n)).ToList();
        float eps = stemBn.Float("epsilon", 1e-5f);
        static int[] Ints(long[] values) => Array.ConvertAll(values, x => (int)x);
        var config = new ResNetConfig(blocks.ToArray(), widths.ToArray(), Ints(stemConv.Ints("pads", [3, 3, 3, 3])),
            Ints(pool.Ints("pads", [1, 1, 1, 1])), Ints(stridePads ?? [1, 1, 1, 1]), eps);
        return new ResNetGraph(new OnnxWeightMap(file.Path, weights, [], unmapped), config);
    }

    static OnnxTensorInfo Init(OnnxFile file, string name) =>
        file.Initializer(name) ?? throw new InvalidDataException($"{file.Path}: '{name}' is not an initializer");

    static Dictionary<string, List<OnnxNode>> Consumers(OnnxFile file)
    {
        var result = new Dictionary<string, List<OnnxNode>>();
        foreach (var n in file.Nodes)
            foreach (var i in n.Inputs.Distinct())
            {
                if (!result.TryGetValue(i, out var list)) result[i] = list = [];
                list.Add(n);
            }
        return result;
    }
}
