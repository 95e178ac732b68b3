using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>A decoder-only language model: token ids in, next-token logits out, optionally with a KV cache.</summary>
public interface ICausalLanguageModel
{
    /// <summary>Vocabulary size V (the logits' last dimension).</summary>
    int VocabSize { get; }
    /// <summary>Longest sequence the model supports.</summary>
    int ContextLength { get; }

    /// <summary>ids [B, T] → logits [B, T, V]. With a cache, the ids continue the cached sequence (positions start at
    /// cache.Length) and their keys/values are appended to it.</summary>
    Tensor Logits(Tensor ids, KvCache? cache = null, Tensor? attentionMask = null);

    /// <summary>An empty KV cache shaped for this model.</summary>
    KvCache NewCache(int capacity, long batch = 1);

    /// <summary>The model's self-attention layers, first to last (for attention maps).</summary>
    IReadOnlyList<ISelfAttention> AttentionLayers { get; }
}
