using CourseWorkbook.Models;
using CourseWorkbook.Runtime;
using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using Microsoft.ML.Tokenizers;
using TorchSharp;

namespace CourseWorkbook.Tests.Models;

/// <summary>stories260K, loaded once for all tests of this class.</summary>
public sealed class Stories260KFixture : IDisposable
{
    public Stories260KFixture()
    {
        TorchRuntime.EnsureLoaded();
        if (ModelStore.FindLocal(SharedModels.Stories) is not { } path) return;
        Gguf = GgufFile.Open(path);
        (Model, Report) = LlamaForCausalLM.FromGguf(Gguf);
        Tokenizer = Tokenizers.FromGguf(Gguf);
    }

    public GgufFile? Gguf { get; }
    public LlamaForCausalLM? Model { get; }
    public LoadReport? Report { get; }
    public Tokenizer? Tokenizer { get; }

    public void Dispose() { Model?.Dispose(); Gguf?.Dispose(); }
}

public class Stories260KTests(Stories260KFixture f) : IClassFixture<Stories260KFixture>
{
    // karpathy/llama2.c test_all.py expected_stdout for `run stories260K.bin -z tok512.bin -t 0.0 -n 200` (REFERENCES.md §1a)
    const string Expected200 =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\n" +
        "Lily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want to play with your ball, but I can't find it.\"\n" +
        "Lily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know what to do.\"\n" +
        "Lily didn't want to help her mom, so she";

    static readonly int[] First40 = [403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
        410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352];

    [SharedModelFact(SharedModels.Stories)]
    public void Gguf_loads_completely_with_the_duplicate_classifier_recognised_as_tied()
    {
        Assert.True(f.Report!.IsComplete, f.Report.ToString());
        Assert.Empty(f.Report.Unexpected);
        Assert.Equal(["lm_head.weight"], f.Report.Tied);
        Assert.True(f.Model!.Config.TieWordEmbeddings);
        Assert.Equal(RopeLayout.AdjacentPairs, f.Model.Config.RopeLayout);
        Assert.Equal(260_032, ParameterCounts.Count(f.Model));
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Greedy_generation_prints_exactly_what_llama2c_run_prints()
    {
        // run.c: BOS at pos 0, argmax, 200 steps = 200 sampled tokens, stop on BOS, leading space of the first piece dropped
        var result = TextGeneration.Generate(f.Model!, [1], maxNewTokens: 200, SamplingOptions.Greedy, stopTokens: [1], tokenizer: f.Tokenizer);
        Assert.Equal(First40, result.GeneratedIds.Take(40));
        Assert.Equal(Expected200, result.Text);
        Assert.Equal(464, System.Text.Encoding.UTF8.GetByteCount(result.Text!));
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Logits_at_position_zero_match_the_float64_reference()
    {
        using var _ = torch.no_grad();
        var logits = f.Model!.Logits(torch.tensor(new long[] { 1 }, new long[] { 1, 1 }))[0, 0].data<float>().ToArray();
        double[] expected = [-6.22291, 8.40434, -6.22374, -6.22254, -6.22195];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], logits[i], 1e-4);
        Assert.Equal(403, TextGeneration.ArgMax(logits));
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Independent_float_loop_reference_agrees_with_the_torch_model()
    {
        var reference = Llama2cReference.FromGguf(f.Gguf!);
        var logits = reference.Forward(1, 0);
        double[] expected = [-6.22291, 8.40434, -6.22374, -6.22254, -6.22195];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], logits[i], 1e-4);
        var ids = Llama2cReference.FromGguf(f.Gguf!).GenerateGreedy(40);
        Assert.Equal(First40, ids);
        var torchIds = TextGeneration.Generate(f.Model!, [1], 40, useKvCache: false).GeneratedIds;
        Assert.Equal(ids, torchIds);
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Seeded_sampling_is_reproducible_and_differs_between_seeds()
    {
        var a = TextGeneration.Generate(f.Model!, [1], 30, new SamplingOptions(0.8, 0.9, Seed: 7));
        var b = TextGeneration.Generate(f.Model!, [1], 30, new SamplingOptions(0.8, 0.9, Seed: 7));
        var c = TextGeneration.Generate(f.Model!, [1], 30, new SamplingOptions(0.8, 0.9, Seed: 8));
        Assert.Equal(a.GeneratedIds, b.GeneratedIds);
        Assert.NotEqual(a.GeneratedIds, c.GeneratedIds);
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Perplexity_of_its_own_greedy_text_is_low_and_of_shuffled_text_high()
    {
        var ids = new List<int> { 1 };
        ids.AddRange(f.Tokenizer!.EncodePlain(Expected200));
        double own = TextGeneration.Perplexity(f.Model!, ids);
        var shuffled = new List<int> { 1 };
        shuffled.AddRange(ids.Skip(1).OrderBy(i => (i * 7919) % 101));
        double scrambled = TextGeneration.Perplexity(f.Model!, shuffled);
        Assert.InRange(own, 1.0, 3.0);
        Assert.True(scrambled > 5 * own, $"own {own}, shuffled {scrambled}");
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Surprisal_per_token_matches_the_plain_loop_and_averages_to_the_perplexity()
    {
        var ids = new List<int> { 1 };
        ids.AddRange(f.Tokenizer!.EncodePlain("Once upon a time, there was a little dog."));
        var surprisal = TextGeneration.Surprisal(f.Model!, ids);
        Assert.Equal(ids.Count - 1, surprisal.Length);
        Assert.Equal(TextGeneration.Perplexity(f.Model!, ids), Math.Exp(surprisal.Average()), 1e-4);

        // −log softmax of the plain-C# run.c forward pass (Llama2cReference), token by token.
        var loop = Llama2cReference.FromGguf(f.Gguf!);
        for (int t = 0; t < 6; t++)
        {
            var p = TextGeneration.Softmax(loop.Forward(ids[t], t));
            Assert.Equal(-Math.Log(p[ids[t + 1]]), surprisal[t], 1e-3);
        }
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Anatomy_reads_the_architecture_off_the_loaded_model()
    {
        var facts = Anatomy.Describe(f.Model!);
        Assert.Equal(new ArchitectureFacts("llama", 5, 64, 8, 4, 8, 172, 512, "RMSNorm", "Pre", "SwiGLU (SiLU-gated)",
            "RoPE (adjacent pairs, θ = 10000)", true, 260_032), facts);
        var breakdown = Anatomy.Breakdown(f.Model!);
        Assert.Equal(260_032, breakdown.Sum(r => r.Parameters));
        Assert.Equal(32_768, breakdown.Single(r => r.Component == "Embeddings").Parameters);
        var table = Anatomy.ParameterTable(f.Model!);
        Assert.Equal(f.Model!.named_parameters().Count(), table.Rows.Count);
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Attention_map_rows_are_distributions_over_the_past()
    {
        var ids = new[] { 1 }.Concat(f.Tokenizer!.EncodePlain("Once upon a time")).ToArray();
        var map = Anatomy.AttentionOf(f.Model!, ids, layer: 2);
        Assert.Equal(8, map.Heads);
        for (int q = 0; q < ids.Length; q++)
        {
            Assert.Equal(1f, Enumerable.Range(0, ids.Length).Sum(k => map.Weights[3, q, k]), 4);
            for (int k = q + 1; k < ids.Length; k++) Assert.Equal(0f, map.Weights[3, q, k]);
        }
        var head = map.Head(3);
        Assert.Equal((ids.Length, ids.Length), (head.GetLength(0), head.GetLength(1)));
        Assert.Equal(map.Weights[3, ids.Length - 1, 1], head[ids.Length - 1, 1]);
    }
}
