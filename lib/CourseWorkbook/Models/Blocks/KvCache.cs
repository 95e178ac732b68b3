using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>
/// The key/value cache of autoregressive decoding: each layer keeps the keys and values of every token seen so far,
/// so a new token costs one row of attention instead of recomputing the whole prefix. Preallocated to
/// <see cref="Capacity"/> tokens; its size is 2 × layers × kv_heads × head_dim × bytes × tokens.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly KvCacheLayer[] layers;

    /// <summary>A cache for <paramref name="numLayers"/> layers of <paramref name="kvHeads"/> heads of size
    /// <paramref name="headDim"/>, holding up to <paramref name="capacity"/> tokens per sequence.</summary>
    public KvCache(int numLayers, int kvHeads, int headDim, int capacity, long batch = 1,
        ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Capacity = capacity;
        layers = Enumerable.Range(0, numLayers)
            .Select(_ => new KvCacheLayer(batch, kvHeads, headDim, capacity, dtype, device))
            .ToArray();
    }

    /// <summary>The cache of one layer.</summary>
    public KvCacheLayer this[int layer] => layers[layer];
    /// <summary>Number of layers.</summary>
    public int NumLayers => layers.Length;
    /// <summary>Tokens stored (in layer 0).</summary>
    public int Length => layers[0].Length;
    /// <summary>Maximum tokens.</summary>
    public int Capacity { get; }
    /// <summary>Bytes allocated for keys and values in all layers.</summary>
    public long SizeInBytes => layers.Sum(l => l.SizeInBytes);

    /// <summary>2 × layers × kv_heads × head_dim × bytes_per_element × tokens (× batch).</summary>
    public static long BytesFor(
        int numLayers, int kvHeads, int headDim, double bytesPerElement, long tokens, long batch = 1) =>
        (long)(2.0 * numLayers * kvHeads * headDim * bytesPerElement * tokens * batch);

    /// <summary>Forgets all tokens (keeps the memory).</summary>
    public void Reset() { foreach (var l in layers) l.Reset(); }

    /// <summary>Frees the tensors.</summary>
    public void Dispose() { foreach (var l in layers) l.Dispose(); }
}

/// <summary>
/// One layer's keys and values, [B, H_kv, capacity, d] each, filled from position 0 up to <see cref="Length"/>.
/// </summary>
public sealed class KvCacheLayer : IDisposable
{
    readonly Tensor keys, values;

    internal KvCacheLayer(long batch, int kvHeads, int headDim, int capacity, ScalarType dtype, Device? device)
    {
        keys = torch.zeros(new[] { batch, kvHeads, capacity, (long)headDim }, dtype: dtype, device: device)
            .DetachFromDisposeScope();
        values = torch.zeros(new[] { batch, kvHeads, capacity, (long)headDim }, dtype: dtype, device: device)
            .DetachFromDisposeScope();
    }

    /// <summary>Tokens stored.</summary>
    public int Length { get; private set; }
    /// <summary>Bytes allocated.</summary>
    public long SizeInBytes => 2 * keys.numel() * keys.ElementSize;

    /// <summary>
    /// Stores k, v [B, H_kv, T, d] after the tokens already cached and returns views of all keys and values so far.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(Tensor k, Tensor v)
    {
        int t = (int)k.shape[2];
        if (Length + t > keys.shape[2])
            throw new InvalidOperationException($"KV cache full: {Length} + {t} > {keys.shape[2]} tokens");
        using (torch.no_grad())
        {
            keys.narrow(2, Length, t).copy_(k);
            values.narrow(2, Length, t).copy_(v);
        }
        Length += t;
        return (keys.narrow(2, 0, Length), values.narrow(2, 0, Length));
    }

    /// <summary>Forgets the stored tokens.</summary>
    public void Reset() => Length = 0;

    /// <summary>Frees the tensors.</summary>
    public void Dispose() { keys.Dispose(); values.Dispose(); }
}
