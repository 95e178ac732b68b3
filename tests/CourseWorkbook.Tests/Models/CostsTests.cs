using CourseWorkbook.Models;

namespace CourseWorkbook.Tests.Models;

public class CostsTests
{
    static readonly ModelShape Qwen = ModelShape.From(LlamaConfig.Qwen2_5_0_5B, "Qwen2.5-0.5B");

    [Fact]
    public void Kv_cache_is_two_times_layers_kv_heads_head_dim_bytes_tokens()
    {
        // Qwen2.5-0.5B: 2 × 24 × 2 × 64 × 2 bytes = 12,288 bytes per token at 16 bits
        Assert.Equal(12_288L * 32_768, Costs.KvCacheBytes(Qwen, 32_768, bits: 16));
        var rows = Costs.KvCacheTable(Qwen, [1024, 4096], [16, 8]);
        Assert.Equal(4, rows.Count);
        Assert.Equal(12.0, rows.Single(r => r.Tokens == 1024 && r.Bits == 16).MiB, 6);
        Assert.Equal(KvCache.BytesFor(24, 2, 64, 2, 1024), rows[0].Bytes);
    }

    [Fact]
    public void Flops_per_token_are_two_n_forward_and_six_n_training()
    {
        var row = Assert.Single(Costs.FlopsTable([Qwen]));
        Assert.Equal(2.0 * 494_032_768, row.ForwardFlopsPerToken);
        Assert.Equal(6.0 * 494_032_768, row.TrainingFlopsPerToken);
    }

    [Fact]
    public void Exact_flops_split_into_kaplans_2n_and_the_attention_over_the_context()
    {
        // GPT-2 small: the weight matrices of the blocks hold 12·L·d² parameters (Kaplan et al.'s N), 2 FLOPs each per
        // token; attention adds 2·T·d for the scores and 2·T·d for the weighted sum per layer, and 3·heads·T for the
        // softmax (Hoffmann et al. appendix F).
        var c = Gpt2Config.Small;
        var f = Costs.FlopsPerToken(ModelShape.From(c), context: 1024);
        double d = c.NEmbd, l = c.NLayer;
        Assert.Equal(2 * 12 * l * d * d, f.AttentionProjections + f.Mlp);
        Assert.Equal(l * (4 * 1024 * d + 3 * 12 * 1024), f.AttentionScores);
        Assert.Equal(2 * d * c.VocabSize, f.Logits);
        Assert.Equal(3 * f.Forward, f.Training);
        // Llama's MLP has three matrices: gate, up and down
        var q = Costs.FlopsPerToken(Qwen, context: 1);
        Assert.Equal(24 * 2.0 * 896 * 4864 * 3, q.Mlp);
    }

    [Fact]
    public void Memory_table_has_the_expected_rows_and_orders_the_scenarios()
    {
        var rows = Costs.MemoryTable(Qwen, sequence: 1024);
        Assert.Equal(4 + 4 + 4 + 2, rows.Count);
        var inf16 = rows.Single(r => r.Scenario == MemoryScenario.Inference && r.Bits == 16);
        Assert.Equal(494_032_768 * 2 / 1073741824.0, inf16.WeightsGiB, 9);
        var full16 = rows.Single(r => r.Scenario == MemoryScenario.FullFineTuning && r.Bits == 16);
        // pure 16-bit: 2 (weights) + 2 (gradients) + 4 (Adam m and v) = 8 bytes per parameter, plus activations
        Assert.Equal(8.0 * 494_032_768 / 1073741824.0, full16.StaticGiB, 9);
        var full32 = rows.Single(r => r.Scenario == MemoryScenario.FullFineTuning && r.Bits == 32);
        // mixed precision: 4 (fp32 weights) + 2 (16-bit copy) + 4 (gradients) + 8 (Adam) = 18 bytes per parameter
        Assert.Equal(18.0 * 494_032_768 / 1073741824.0, full32.StaticGiB, 9);
        var lora16 = rows.Single(r => r.Scenario == MemoryScenario.LoRA && r.Bits == 16);
        var qlora4 = rows.Single(r => r.Scenario == MemoryScenario.QLoRA && r.Bits == 4);
        Assert.True(qlora4.TotalGiB < lora16.TotalGiB && lora16.TotalGiB < full16.TotalGiB);
        Assert.Equal(Costs.LoraParameters(Qwen, 16), lora16.TrainableParameters);
        Assert.Equal(24L * 16 * ((896 + 896) + 2 * (896 + 128) + (896 + 896)), Costs.LoraParameters(Qwen, 16));
    }

    [Theory]
    [InlineData(MemoryScenario.FullFineTuning, 32, 18.0)]
    [InlineData(MemoryScenario.FullFineTuning, 16, 8.0)]
    [InlineData(MemoryScenario.LoRA, 16, 2.0)]
    [InlineData(MemoryScenario.QLoRA, 8, 1.0)]
    [InlineData(MemoryScenario.QLoRA, 4, 0.5)]
    [InlineData(MemoryScenario.Inference, 32, 4.0)]
    [InlineData(MemoryScenario.Inference, 4, 0.5)]
    public void Static_bytes_per_parameter_follow_the_fine_tuning_table_rule(MemoryScenario scenario, int bits, double bytesPerParameter)
    {
        // LLaMA-Factory's hardware table: full (AMP) 18x GB, full 16-bit 8x, LoRA 2x, QLoRA 8-bit x, QLoRA 4-bit x/2 for x billion
        // parameters. The rank-16 adapters with their Adam state (16 bytes each, 0.04 byte per base weight on Llama-2-7B) and
        // QLoRA's quantisation constants (0.016 byte) come on top: at most 0.06 byte per parameter more.
        var llama7b = ModelShape.From(LlamaConfig.Llama2_7B, "Llama-2-7B");
        double perParameter = Costs.Memory(llama7b, scenario, bits).StaticGiB * 1073741824.0 / llama7b.Parameters;
        Assert.InRange(perParameter - bytesPerParameter, 0.0, 0.06);
    }
}
