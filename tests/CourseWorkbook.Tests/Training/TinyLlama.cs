using CourseWorkbook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

/// <summary>A tiny random Llama (vocabulary 16, 2 layers, GQA 2:1) in float64, with embeddings scaled up so that
/// attention is far from uniform and a wrong mask or position shows.</summary>
static class TinyLlama
{
    public static readonly LlamaConfig Config =
        new(16, 8, 12, 2, 2, 1, MaxPositionEmbeddings: 32, TieWordEmbeddings: true);

    public static LlamaForCausalLM Create(int seed = 0, double attentionDropout = 0)
    {
        manual_seed(seed);
        var config = Config with { AttentionDropout = attentionDropout };
        var model = new LlamaForCausalLM(config, dtype: ScalarType.Float64);
        using (no_grad()) model.model.embed_tokens.weight.mul_(50);
        model.eval();
        return model;
    }
}
