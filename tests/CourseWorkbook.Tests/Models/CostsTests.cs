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
    public void Memory_table_has_the_expected_rows_and_orders_the_scenarios()
    {
        var rows = Costs.MemoryTable(Qwen, sequence: 1024);
        Assert.Equal(4 + 4 + 4 + 2, rows.Count);
        var inf16 = rows.Single(r => r.Scenario == MemoryScenario.Inference && r.Bits == 16);
        Assert.Equal(494_032_768 * 2 / 1073741824.0, inf16.WeightsGiB, 9);
        var full16 = rows.Single(r => r.Scenario == MemoryScenario.FullFineTuning && r.Bits == 16);
        // 2 (weights) + 2 (gradients) + 4 (master) + 8 (Adam) = 16 bytes per parameter, plus activations
        Assert.Equal(16.0 * 494_032_768 / 1073741824.0, full16.WeightsGiB + full16.GradientsGiB + full16.OptimizerGiB, 9);
        var lora16 = rows.Single(r => r.Scenario == MemoryScenario.LoRA && r.Bits == 16);
        var qlora4 = rows.Single(r => r.Scenario == MemoryScenario.QLoRA && r.Bits == 4);
        Assert.True(qlora4.TotalGiB < lora16.TotalGiB && lora16.TotalGiB < full16.TotalGiB);
        Assert.Equal(Costs.LoraParameters(Qwen, 16), lora16.TrainableParameters);
        Assert.Equal(24L * 16 * ((896 + 896) + 2 * (896 + 128) + (896 + 896)), Costs.LoraParameters(Qwen, 16));
    }
}
