using CourseWorkbook.Weights;

namespace CourseWorkbook.Models;

/// <summary>
/// An independent, dependency-free re-implementation of llama2.c's <c>run.c</c> forward pass in plain C# float loops
/// (no TorchSharp), used to cross-check <see cref="LlamaForCausalLM"/>: same weights from the GGUF, adjacent-pair RoPE,
/// RMSNorm, grouped-query attention with a KV cache, SwiGLU, tied classifier. One token at a time, as run.c does.
/// </summary>
public sealed class Llama2cReference
{
    readonly int dim, hidden, layers, heads, kvHeads, headSize, vocab, seqLen;
    readonly float eps;
    readonly float[] tokenEmbedding, finalNorm, classifier;
    readonly float[][] attNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3;
    readonly float[] keyCache, valueCache;

    Llama2cReference(GgufFile g)
    {
        string arch = g.Architecture ?? "llama";
        int Int(string key) => checked((int)g.Get<long>($"{arch}.{key}"));
        dim = Int("embedding_length"); hidden = Int("feed_forward_length"); layers = Int("block_count");
        heads = Int("attention.head_count");
        kvHeads = (int)g.GetOrDefault($"{arch}.attention.head_count_kv", (long)heads);
        headSize = dim / heads;
        eps = g.GetOrDefault($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);
        float[] T(string name) => g.ReadFloats(g.Tensor(name));
        tokenEmbedding = T("token_embd.weight");
        vocab = tokenEmbedding.Length / dim;
        seqLen = Math.Min(Int("context_length"), 2048);
        finalNorm = T("output_norm.weight");
        classifier = g.Tensors.Any(t => t.Name == "output.weight") ? T("output.weight") : tokenEmbedding;
        float[][] PerLayer(string n) => Enumerable.Range(0, layers).Select(l => T($"blk.{l}.{n}.weight")).ToArray();
        attNorm = PerLayer("attn_norm"); wq = PerLayer("attn_q"); wk = PerLayer("attn_k"); wv = PerLayer("attn_v");
        wo = PerLayer("attn_output");
        ffnNorm = PerLayer("ffn_norm"); w1 = PerLayer("ffn_gate"); w2 = PerLayer("ffn_down"); w3 = PerLayer("ffn_up");
        int kvDim = kvHeads * headSize;
        keyCache = new float[layers * seqLen * kvDim];
        valueCache = new float[layers * seqLen * kvDim];
    }

    /// <summary>Reads the weights of a llama GGUF (all tensors F32/F16/Q8_0/Q4_0, dequantised).</summary>
    public static Llama2cReference FromGguf(GgufFile gguf) => new(gguf);

    /// <summary>Vocabulary size.</summary>
    public int VocabSize => vocab;
    /// <summary>Longest sequence held by the cache.</summary>
    public int SequenceLength => seqLen;

    /// <summary>
    /// run.c's forward(token, pos): the logits for the next token; fills the KV cache at <paramref name="pos"/>.
    /// </summary>
    public float[] Forward(int token, int pos)
    {
        int kvDim = kvHeads * headSize, kvMul = heads / kvHeads;
        var x = new float[dim];
        Array.Copy(tokenEmbedding, token * dim, x, 0, dim);
        var xb = new float[dim]; var xb2 = new float[dim];
        var q = new float[dim]; var hb = new float[hidden]; var hb2 = new float[hidden];
        var att = new float[seqLen];
        for (int l = 0; l < layers; l++)
        {
            RmsNorm(xb, x, attNorm[l]);
            int loff = l * seqLen * kvDim;
            var k = keyCache.AsSpan(loff + pos * kvDim, kvDim);
            var v = valueCache.AsSpan(loff + pos * kvDim, kvDim);
            MatMul(q, xb, wq[l], dim, dim);
            MatMul(k, xb, wk[l], dim, kvDim);
            MatMul(v, xb, wv[l], dim, kvDim);
            // RoPE on adjacent pairs: (v0, v1) rotated by pos · 10000^(−(i mod head_size)/head_size)
            for (int i = 0; i < dim; i += 2)
            {
                int headDim = i % headSize;
                float freq = 1.0f / MathF.Pow(10000.0f, headDim / (float)headSize);
                float val = pos * freq, fcr = MathF.Cos(val), fci = MathF.Sin(val);
                Rotate(q, i, fcr, fci);
                if (i < kvDim) Rotate(k, i, fcr, fci);
            }
            for (int h = 0; h < heads; h++)
            {
                int qo = h * headSize;
                for (int t = 0; t <= pos; t++)
                {
                    int ko = loff + t * kvDim + h / kvMul * headSize;
                    float score = 0;
                    for (int i = 0; i < headSize; i++) score += q[qo + i] * keyCache[ko + i];
                    att[t] = score / MathF.Sqrt(headSize);
                }
                Softmax(att.AsSpan(0, pos + 1));
                Array.Clear(xb, qo, headSize);
                for (int t = 0; t <= pos; t++)
                {
                    int vo = loff + t * kvDim + h / kvMul * headSize;
                    for (int i = 0; i < headSize; i++) xb[qo + i] += att[t] * valueCache[vo + i];
                }
            }
            MatMul(xb2, xb, wo[l], dim, dim);
            for (int i = 0; i < dim; i++) x[i] += xb2[i];
            RmsNorm(xb, x, ffnNorm[l]);
            MatMul(hb, xb, w1[l], dim, hidden);
            MatMul(hb2, xb, w3[l], dim, hidden);
            for (int i = 0; i < hidden; i++) hb[i] = hb[i] / (1f + MathF.Exp(-hb[i])) * hb2[i]; // SiLU(w1 x) ⊙ w3 x
            MatMul(xb, hb, w2[l], hidden, dim);
            for (int i = 0; i < dim; i++) x[i] += xb[i];
        }
        RmsNorm(x, x, finalNorm);
        var logits = new float[vocab];
        MatMul(logits, x, classifier, dim, vocab);
        return logits;
    }

    /// <summary>run.c's greedy loop from BOS: returns the generated ids (stops on BOS = 1, as run.c does).</summary>
    public IReadOnlyList<int> GenerateGreedy(int steps, int bos = 1)
    {
        var ids = new List<int>();
        int token = bos;
        for (int pos = 0; pos < Math.Min(steps, seqLen); pos++)
        {
            int next = TextGeneration.ArgMax(Forward(token, pos));
            if (next == bos) break;
            ids.Add(next);
            token = next;
        }
        return ids;
    }

    static void Rotate(Span<float> v, int i, float fcr, float fci)
    {
        float v0 = v[i], v1 = v[i + 1];
        v[i] = v0 * fcr - v1 * fci;
        v[i + 1] = v0 * fci + v1 * fcr;
    }

    void RmsNorm(Span<float> o, ReadOnlySpan<float> x, float[] weight)
    {
        float ss = 0;
        for (int j = 0; j < x.Length; j++) ss += x[j] * x[j];
        ss = 1f / MathF.Sqrt(ss / x.Length + eps);
        for (int j = 0; j < x.Length; j++) o[j] = weight[j] * (ss * x[j]);
    }

    static void Softmax(Span<float> x)
    {
        float max = x[0];
        foreach (var v in x) max = Math.Max(max, v);
        float sum = 0;
        for (int i = 0; i < x.Length; i++) { x[i] = MathF.Exp(x[i] - max); sum += x[i]; }
        for (int i = 0; i < x.Length; i++) x[i] /= sum;
    }

    /// <summary>xout (d) = W (d, n) · x (n), W row-major [out][in] as in run.c and GGUF.</summary>
    static void MatMul(Span<float> xout, ReadOnlySpan<float> x, float[] w, int n, int d)
    {
        for (int i = 0; i < d; i++)
        {
            float val = 0;
            for (int j = 0; j < n; j++) val += w[i * n + j] * x[j];
            xout[i] = val;
        }
    }
}
