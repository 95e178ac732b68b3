using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Counting parameters two ways: by walking a built module (tied weights counted once, as PyTorch's
/// <c>sum(p.numel() for p in model.parameters())</c>) — build it on <c>torch.META</c> and nothing is allocated — and
/// analytically from the config, term by term, the way the course derives it on the slide.</summary>
public static class ParameterCounts
{
    /// <summary>The meta device: tensors with shapes but no storage.</summary>
    public static Device Meta => new(DeviceType.META);

    /// <summary>Σ numel over the module's unique parameters.</summary>
    public static long Count(nn.Module module) => module.named_parameters().Sum(p => p.parameter.numel());

    /// <summary>Builds the module on the meta device (no memory), counts, and disposes it.</summary>
    public static long CountOnMeta(Func<Device, nn.Module> build)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        using var module = build(Meta);
        return Count(module);
    }

    /// <summary>Llama/Qwen2: V·d (embedding) + L·[d·(H+2H_kv)·d_h + biases + H·d_h·d + 3·d·I + 2d] + d (final norm)
    /// + V·d for lm_head unless tied.</summary>
    public static long Llama(LlamaConfig c)
    {
        long d = c.HiddenSize, hd = c.HeadDimension, q = c.NumAttentionHeads * hd, kv = c.NumKeyValueHeads * hd;
        long attention = d * q + 2 * d * kv + q * d + (c.QkvBias ? q + 2 * kv : 0) + (c.OutputBias ? d : 0);
        long mlp = 3 * d * c.IntermediateSize;
        long norms = 2 * d;
        long embedding = (long)c.VocabSize * d;
        return embedding + c.NumHiddenLayers * (attention + mlp + norms) + d + (c.TieWordEmbeddings ? 0 : embedding);
    }

    /// <summary>GPT-2: V·d + P·d + L·[2·2d (LNs) + (d·3d + 3d) + (d·d + d) + (d·I + I) + (I·d + d)] + 2d; lm_head
    /// tied.</summary>
    public static long Gpt2(Gpt2Config c)
    {
        long d = c.NEmbd, i = c.Inner;
        long block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * i + i) + (i * d + d);
        long lmHead = c.TieWordEmbeddings ? 0 : (long)c.VocabSize * d;
        return (long)c.VocabSize * d + (long)c.NPositions * d + c.NLayer * block + 2 * d + lmHead;
    }

    /// <summary>BERT: (V + P + T)·H + 2H + L·[4(H² + H) + 2·2H + (H·I + I) + (I·H + H)] (+ H² + H pooler)
    /// (+ MLM head: H² + H + 2H + V, decoder weight tied).</summary>
    public static long Bert(BertConfig c, bool pooler = true, bool mlmHead = false)
    {
        long h = c.HiddenSize, i = c.IntermediateSize;
        long embeddings = ((long)c.VocabSize + c.MaxPositionEmbeddings + c.TypeVocabSize) * h + 2 * h;
        long layer = 4 * (h * h + h) + 4 * h + (h * i + i) + (i * h + h);
        return embeddings + c.NumHiddenLayers * layer + (pooler ? h * h + h : 0)
            + (mlmHead ? h * h + h + 2 * h + c.VocabSize : 0);
    }

    /// <summary>CLIP: per tower L·[4(d² + d) (attention) + 2·2d (norms) + (d·I + I) + (I·d + d) (MLP)] + 2d (final
    /// norm); the text tower adds V·d + P·d (tokens, positions); the image tower C·p²·d (patch convolution, no bias)
    /// + d (class token) + (N + 1)·d (positions) + 2d (pre_layrnorm); then both projections (no bias) and the scalar
    /// logit_scale.</summary>
    public static long Clip(Clip.ClipConfig c)
    {
        static long Layers(Clip.ClipTowerConfig t)
        {
            long d = t.HiddenSize, i = t.IntermediateSize;
            return t.NumHiddenLayers * (4 * (d * d + d) + 4 * d + (d * i + i) + (i * d + d)) + 2 * d;
        }
        var (tx, v) = (c.Text, c.Vision);
        long text = ((long)tx.VocabSize + tx.MaxPositionEmbeddings) * tx.HiddenSize + Layers(tx);
        long vision = (long)v.NumChannels * v.PatchSize * v.PatchSize * v.HiddenSize + v.HiddenSize
            + (long)v.NumPositions * v.HiddenSize + 2L * v.HiddenSize + Layers(v);
        long projections = (long)(tx.HiddenSize + v.HiddenSize) * c.ProjectionDim;
        return text + vision + projections + 1;
    }

    /// <summary>A ResNet of basic blocks: stem 3·64·7² + BN; per block two 3×3 convolutions with their BatchNorms
    /// (γ, β; running statistics are buffers, not parameters), plus a 1×1 "downsample" convolution and BN where the
    /// width changes; then the classifier (512·C + C) if any.</summary>
    public static long ResNet(ResNetConfig c)
    {
        long total = 3L * c.Widths[0] * 49 + 2L * c.Widths[0];
        for (int s = 0; s < 4; s++)
            for (int b = 0; b < c.Layers[s]; b++)
            {
                long cin = b > 0 ? c.Widths[s] : s == 0 ? c.Widths[0] : c.Widths[s - 1], cout = c.Widths[s];
                total += cin * cout * 9 + cout * cout * 9 + 4 * cout;
                if (cin != cout || (b == 0 && s > 0)) total += cin * cout + 2 * cout;
            }
        return total + (c.NumClasses > 0 ? (long)c.FeatureSize * c.NumClasses + c.NumClasses : 0);
    }
}
