namespace CourseWorkbook.Models;

/// <summary>The shape numbers the cost formulas need, taken from a config. <paramref name="GatedMlp"/>: the MLP
/// has three matrices (Llama's gate, up, down) instead of two (GPT-2, BERT).</summary>
public sealed record ModelShape(string Name, long Parameters, int Layers, int Hidden, int Heads, int KvHeads,
    int HeadDim, int Intermediate, int Vocab, bool GatedMlp = false)
{
    /// <summary>From a Llama/Qwen2 config.</summary>
    public static ModelShape From(LlamaConfig c, string name = "llama") =>
        new(name, ParameterCounts.Llama(c), c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads,
            c.NumKeyValueHeads, c.HeadDimension, c.IntermediateSize, c.VocabSize, GatedMlp: true);

    /// <summary>From a GPT-2 config.</summary>
    public static ModelShape From(Gpt2Config c, string name = "gpt2") =>
        new(name, ParameterCounts.Gpt2(c), c.NLayer, c.NEmbd, c.NHead, c.NHead, c.NEmbd / c.NHead, c.Inner,
            c.VocabSize);

    /// <summary>From a BERT config (with pooler).</summary>
    public static ModelShape From(BertConfig c, string name = "bert") =>
        new(name, ParameterCounts.Bert(c), c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads,
            c.NumAttentionHeads, c.HiddenSize / c.NumAttentionHeads, c.IntermediateSize, c.VocabSize);
}

/// <summary>What a memory estimate is for.</summary>
public enum MemoryScenario
{
    /// <summary>Weights + KV cache + a little activation memory.</summary>
    Inference,
    /// <summary>All weights trained with Adam. At 32 bits: mixed precision (AMP) — fp32 weights, gradients and
    /// Adam moments plus the 16-bit working copy of the weights (18 bytes per parameter). At 16 bits and below:
    /// "pure" low-precision training — weights, gradients and both Adam moments at that precision (4 × bits/8
    /// bytes).</summary>
    FullFineTuning,
    /// <summary>Frozen weights at the given precision + trainable low-rank adapters (16-bit) with their gradients
    /// and Adam.</summary>
    LoRA,
    /// <summary>LoRA on a base model quantised to 4 (or 8) bits; the adapters stay 16-bit.</summary>
    QLoRA,
}

/// <summary>One row of a memory table, in GiB.</summary>
public sealed record MemoryEstimate(string Model, MemoryScenario Scenario, int Bits, long TrainableParameters,
    double WeightsGiB, double GradientsGiB, double OptimizerGiB, double ActivationsGiB, double KvCacheGiB)
{
    /// <summary>Sum of the parts.</summary>
    public double TotalGiB => WeightsGiB + GradientsGiB + OptimizerGiB + ActivationsGiB + KvCacheGiB;

    /// <summary>The part that does not depend on the sequence or the batch: weights + gradients + optimizer
    /// state.</summary>
    public double StaticGiB => WeightsGiB + GradientsGiB + OptimizerGiB;
}

/// <summary>One row of a KV-cache table.</summary>
public sealed record KvCacheEstimate(string Model, int Tokens, int Bits, int Batch, long Bytes)
{
    /// <summary>Bytes in MiB.</summary>
    public double MiB => Bytes / 1048576.0;
}

/// <summary>Forward FLOPs per token counted matrix by matrix (Hoffmann et al. 2022, appendix F): embeddings and
/// logits 2·d·V each, per layer the Q/K/V and output projections, the attention scores and their weighted sum over a
/// context of T tokens (2·T·d_attn each, plus 3·heads·T for the softmax), and the MLP; a multiply-add is 2 FLOPs.
/// Training costs three forward passes (the backward pass twice one).</summary>
public sealed record FlopsBreakdown(string Model, int Context, double Embeddings, double AttentionProjections,
    double AttentionScores, double Mlp, double Logits)
{
    /// <summary>The forward pass, per token.</summary>
    public double Forward => Embeddings + AttentionProjections + AttentionScores + Mlp + Logits;
    /// <summary>Forward and backward, per token: 3 × forward.</summary>
    public double Training => 3 * Forward;
}

/// <summary>One row of a compute table.</summary>
public sealed record FlopsEstimate(string Model, long Parameters, double ForwardFlopsPerToken,
    double TrainingFlopsPerToken);

/// <summary>
/// Back-of-the-envelope costs of running and training a transformer: memory by scenario and precision, FLOPs per
/// token (≈ 2N forward, ≈ 6N training: forward + backward twice as costly), KV-cache size
/// (2 × layers × kv_heads × head_dim × bytes × tokens). Each method returns table rows a notebook can display.
/// </summary>
public static class Costs
{
    const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>≈ 2N FLOPs per token for a forward pass (one multiply and one add per weight).</summary>
    public static double ForwardFlopsPerToken(long parameters) => 2.0 * parameters;

    /// <summary>≈ 6N FLOPs per token for training (forward 2N + backward 4N).</summary>
    public static double TrainingFlopsPerToken(long parameters) => 6.0 * parameters;

    /// <summary>Multiply-accumulates of one image through a ResNet of basic blocks (convolutions and the classifier;
    /// BatchNorm, ReLU and pooling are negligible): a convolution costs out_h·out_w·C_out·C_in·k². Spatial sizes for a
    /// 224 input: 112 after the stem, 56 after max pooling, then 28, 14, 7. torchvision quotes resnet18 at "1.81
    /// GFLOPS", which counts these multiply-accumulates.</summary>
    public static long ResNetMacsPerImage(ResNetConfig c, int imageSize = 224)
    {
        long side = imageSize / 2;
        long macs = side * side * c.Widths[0] * 3 * 49;
        side /= 2;
        for (int s = 0; s < 4; s++)
        {
            if (s > 0) side /= 2;
            for (int b = 0; b < c.Layers[s]; b++)
            {
                long cin = b > 0 ? c.Widths[s] : s == 0 ? c.Widths[0] : c.Widths[s - 1], cout = c.Widths[s];
                macs += side * side * cout * (cin * 9 + cout * 9);
                if (cin != cout || (b == 0 && s > 0)) macs += side * side * cout * cin;
            }
        }
        return macs + (c.NumClasses > 0 ? (long)c.FeatureSize * c.NumClasses : 0);
    }

    /// <summary>The exact per-token count next to the 2N / 6N rule, layer by layer, for a context of
    /// <paramref name="context"/> tokens (every position attends to all T, as Hoffmann et al. count it).</summary>
    public static FlopsBreakdown FlopsPerToken(ModelShape m, int context)
    {
        double d = m.Hidden, q = (double)m.Heads * m.HeadDim, kv = (double)m.KvHeads * m.HeadDim, layers = m.Layers;
        return new FlopsBreakdown(m.Name, context,
            Embeddings: 2 * d * m.Vocab,
            AttentionProjections: layers * (2 * d * (q + 2 * kv) + 2 * q * d),
            AttentionScores: layers * (2 * 2.0 * context * q + 3.0 * m.Heads * context),
            Mlp: layers * 2 * d * m.Intermediate * (m.GatedMlp ? 3 : 2),
            Logits: 2 * d * m.Vocab);
    }

    /// <summary>FLOPs rows for several models.</summary>
    public static IReadOnlyList<FlopsEstimate> FlopsTable(IEnumerable<ModelShape> models) =>
        models.Select(m => new FlopsEstimate(m.Name, m.Parameters, ForwardFlopsPerToken(m.Parameters),
            TrainingFlopsPerToken(m.Parameters))).ToList();

    /// <summary>2 × layers × kv_heads × head_dim × (bits/8) × tokens × batch bytes.</summary>
    public static long KvCacheBytes(ModelShape m, int tokens, int bits = 16, int batch = 1) =>
        KvCache.BytesFor(m.Layers, m.KvHeads, m.HeadDim, bits / 8.0, tokens, batch);

    /// <summary>KV-cache size for each context length and precision.</summary>
    public static IReadOnlyList<KvCacheEstimate> KvCacheTable(ModelShape m, IEnumerable<int> contextLengths,
        IEnumerable<int>? bits = null, int batch = 1) =>
        (from t in contextLengths
         from b in bits ?? [16]
         select new KvCacheEstimate(m.Name, t, b, batch, KvCacheBytes(m, t, b, batch))).ToList();

    /// <summary>Parameters of rank-<paramref name="rank"/> LoRA adapters on the attention projections (q, k, v, o):
    /// each adapted W (out × in) gets A (r × in) and B (out × r).</summary>
    public static long LoraParameters(ModelShape m, int rank, bool includeMlp = false)
    {
        long q = (long)m.Heads * m.HeadDim, kv = (long)m.KvHeads * m.HeadDim, d = m.Hidden;
        long perLayer = rank * ((d + q) + 2 * (d + kv) + (q + d));
        if (includeMlp) perLayer += rank * 3 * (d + m.Intermediate);
        return m.Layers * perLayer;
    }

    /// <summary>Rough activation memory of training one batch (Korthikanti et al. 2022, 16-bit, no recomputation):
    /// per layer ≈ s·b·h·(34 + 5·a·s/h) bytes.</summary>
    public static double TrainingActivationBytes(ModelShape m, int sequence, int batch) =>
        m.Layers * (double)sequence * batch * m.Hidden * (34 + 5.0 * m.Heads * sequence / m.Hidden);

    /// <summary>One memory estimate. <paramref name="bits"/> is the precision of the (frozen or trained)
    /// weights.</summary>
    public static MemoryEstimate Memory(ModelShape m, MemoryScenario scenario, int bits, int sequence = 2048,
        int batch = 1, int loraRank = 16)
    {
        double n = m.Parameters, wBytes = n * bits / 8.0;
        switch (scenario)
        {
            case MemoryScenario.Inference:
            {
                double kv = KvCacheBytes(m, sequence, Math.Max(bits, 16), batch);
                // transient, one layer at a time
                double act = 2.0 * sequence * batch * Math.Max(m.Hidden, m.Intermediate) * 2;
                return new MemoryEstimate(m.Name, scenario, bits, 0, wBytes / GiB, 0, 0, act / GiB, kv / GiB);
            }
            case MemoryScenario.FullFineTuning:
            {
                // 32 bits = mixed precision (AMP): fp32 master weights + the 16-bit copy the forward pass computes
                // with, fp32 gradients, Adam m and v in fp32: 4 + 2 + 4 + 8 = 18 bytes per parameter.
                // Below 32 bits = pure low-precision training: weights, gradients, m and v all at `bits`
                // (16 bits: 8 bytes).
                double weights = bits >= 32 ? n * (4 + 2) : wBytes;
                double grads = n * bits / 8.0;
                double optimizer = 2 * n * bits / 8.0;
                return new MemoryEstimate(m.Name, scenario, bits, m.Parameters, weights / GiB, grads / GiB,
                    optimizer / GiB, TrainingActivationBytes(m, sequence, batch) / GiB, 0);
            }
            default:
            {
                long r = LoraParameters(m, loraRank);
                // QLoRA stores block-wise quantisation constants too: ≈ 0.127 extra bits per weight with double
                // quantisation (Dettmers et al. 2023)
                if (scenario == MemoryScenario.QLoRA) wBytes = n * (bits + 0.127) / 8.0;
                // 16-bit adapter and gradient; fp32 master copy, m and v
                double adapters = r * 2.0, grads = r * 2.0, optimizer = r * 12.0;
                return new MemoryEstimate(m.Name, scenario, bits, r, (wBytes + adapters) / GiB, grads / GiB,
                    optimizer / GiB, TrainingActivationBytes(m, sequence, batch) / GiB, 0);
            }
        }
    }

    /// <summary>The memory table of the course: inference, full fine-tuning and LoRA at 32/16/8/4 bits, QLoRA at 8/4.
    /// Its static part (<see cref="MemoryEstimate.StaticGiB"/>) follows the per-parameter rule of the widely quoted
    /// fine-tuning table (LLaMA-Factory's README, "hardware requirement"): full AMP 18 bytes, full 16-bit 8, LoRA
    /// 16-bit ≈ 2, QLoRA 8-bit ≈ 1, QLoRA 4-bit ≈ 0.5 bytes per parameter.</summary>
    public static IReadOnlyList<MemoryEstimate> MemoryTable(ModelShape m, int sequence = 2048, int batch = 1,
        int loraRank = 16, IEnumerable<int>? bits = null)
    {
        var rows = new List<MemoryEstimate>();
        foreach (var scenario in Enum.GetValues<MemoryScenario>())
            foreach (var b in bits ?? [32, 16, 8, 4])
                if (scenario != MemoryScenario.QLoRA || b <= 8)
                    rows.Add(Memory(m, scenario, b, sequence, batch, loraRank));
        return rows;
    }
}
