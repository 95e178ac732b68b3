using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Peft;
using CourseWorkbook.Tests.Training;
using CourseWorkbook.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>LoRA injected into a Llama by module name: peft's parameter names and counts, several adapters,
/// merging, saving and loading adapters alone.</summary>
[Collection(TorchRandomCollection.Name)]
public class LoraModelTests : TorchTest
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static readonly long[] Ids = [1, 4, 7, 3, 9, 2];

    static Tensor Logits(LlamaForCausalLM m)
    {
        using var _ = no_grad();
        return m.Forward(tensor(Ids).unsqueeze(0));
    }

    static void Randomize(LoraModel lora, string adapter, int seed)
    {
        manual_seed(seed);
        using var _ = no_grad();
        foreach (var l in lora.Layers.Where(l => l.Adapters.Contains(adapter))) nn.init.normal_(l.B(adapter), 0, 0.5);
    }

    [Fact]
    public void Qwen2_5_0_5B_with_r8_on_q_and_v_has_peft_s_published_counts()
    {
        // peft's print_trainable_parameters for this model and config: "trainable params: 540,672 || all params:
        // 494,573,440". Checked here by building the architecture on the meta device (no memory), injecting the
        // adapters there and counting the module tree: 24 layers × 8 × ((896 + 896) + (896 + 128)) = 540,672.
        using var model = new LlamaForCausalLM(LlamaConfig.Qwen2_5_0_5B, ParameterCounts.Meta);
        var lora = LoraModel.Inject(model, new LoraConfig(8, 16, 0.05, LoraConfig.QueryValue));
        Assert.Equal(540_672L, lora.TrainableParameters);
        Assert.Equal(494_573_440L, lora.AllParameters);
        Assert.Equal("trainable params: 540,672 || all params: 494,573,440 || trainable%: 0.1093", lora.TrainableSummary());
        Assert.Equal(48, lora.Layers.Count);
    }

    [Fact]
    public void Parameters_carry_peft_s_names_and_only_adapters_train()
    {
        var model = TinyLlama.Create();
        var lora = LoraModel.Inject(model, new LoraConfig(2, 4));
        var trainable = Trainable.Parameters(model).Select(p => p.Name).ToList();
        Assert.Equal(8, trainable.Count);   // 2 layers × (q, v) × (A, B)
        Assert.Contains("model.layers.0.self_attn.q_proj.lora_A.default.weight", trainable);
        Assert.Contains("model.layers.1.self_attn.v_proj.lora_B.default.weight", trainable);
        Assert.Equal("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", lora.AdapterStateDict()[0].Key);
        Assert.Throws<ArgumentException>(() => lora.AddAdapter("x", new LoraConfig(2, 4, 0, ["nothing_here"])));
    }

    [Fact]
    public void Merged_outputs_equal_unmerged_outputs_to_float32_rounding()
    {
        manual_seed(3);
        var model = new LlamaForCausalLM(LlamaConfig.Stories260K);
        model.eval();
        var lora = LoraModel.Inject(model, new LoraConfig(4, 8, 0, LoraConfig.AllLinear));
        Randomize(lora, "default", 5);
        var unmerged = Logits(model);
        var baseOnly = lora.WithoutAdapters(() => Logits(model));
        Assert.True((unmerged - baseOnly).abs().max().item<float>() > 1e-2, "the adapter changes the outputs");
        lora.Merge();
        Assert.True((Logits(model) - unmerged).abs().max().item<float>() < 1e-5);
        lora.Unmerge();
        Assert.True((lora.WithoutAdapters(() => Logits(model)) - baseOnly).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Switching_adapters_reproduces_each_adapter_s_outputs_exactly()
    {
        var model = TinyLlama.Create();
        var lora = LoraModel.Inject(model, new LoraConfig(2, 4), "style");
        Randomize(lora, "style", 1);
        var style = Logits(model);
        lora.AddAdapter("domain", new LoraConfig(3, 3, 0, LoraConfig.AllLinear));
        Randomize(lora, "domain", 2);
        Assert.True(Same(Logits(model), style), "adding an adapter does not activate it");
        lora.SetAdapter("domain");
        var domain = Logits(model);
        Assert.False(domain.allclose(style));
        Assert.All(Trainable.Parameters(model), p => Assert.Contains(".domain.", p.Name));
        lora.SetAdapter("style");
        Assert.True(Same(Logits(model), style));
        lora.SetAdapter("domain");
        Assert.True(Same(Logits(model), domain));
        lora.Merge();
        Assert.Throws<InvalidOperationException>(() => lora.SetAdapter("style"));
    }

    [Fact]
    public void A_saved_adapter_has_peft_s_keys_and_reloads_to_the_same_outputs()
    {
        var folder = Directory.CreateTempSubdirectory("lora-save").FullName;
        try
        {
            var model = TinyLlama.Create();
            var lora = LoraModel.Inject(model, new LoraConfig(2, 4, 0, ["q_proj", "v_proj", "down_proj"]));
            Randomize(lora, "default", 4);
            using (no_grad()) foreach (var l in lora.Layers) l.A("default").mul_(3);
            var expected = Logits(model);
            long bytes = lora.SaveAdapter(folder);

            using (var file = SafeTensorsFile.Open(Path.Combine(folder, LoraModel.WeightsFile)))
            {
                Assert.Equal(12, file.Tensors.Count);   // 2 layers × 3 modules × (A, B)
                var a = file.Info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight");
                Assert.Equal([2L, 12L], a.Shape);
                Assert.Equal("F64", a.DType);
                // bytes on disk: 8-byte length + JSON header + the numbers themselves
                long numbers = file.Tensors.Sum(t => t.ByteLength);
                // q_proj 8→8, v_proj 8→4, down_proj 12→8; r = 2; 2 layers; 8 bytes per float64
                Assert.Equal(8 * 2 * (2 * 8 + 8 * 2 + 2 * 8 + 4 * 2 + 2 * 12 + 8 * 2), numbers);
                Assert.Equal(bytes, file.DataStart + numbers);
            }
            Assert.Equal(new LoraConfig(2, 4, 0, ["q_proj", "v_proj", "down_proj"]).R, LoraModel.ReadConfig(folder).R);

            var fresh = TinyLlama.Create();
            var reloaded = LoraModel.Inject(fresh, new LoraConfig(1, 1), "unused");
            reloaded.LoadAdapter(folder, "loaded");
            reloaded.SetAdapter("loaded");
            Assert.True(Same(Logits(fresh), expected));
            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Loading_an_adapter_for_another_model_names_the_file_and_the_tensor()
    {
        var folder = Directory.CreateTempSubdirectory("lora-bad").FullName;
        try
        {
            var lora = LoraModel.Inject(TinyLlama.Create(), new LoraConfig(2, 4));
            lora.SaveAdapter(folder);
            var bigger = new LlamaForCausalLM(LlamaConfig.Stories260K);
            var other = LoraModel.Inject(bigger, new LoraConfig(2, 4), "x");
            var e = Assert.Throws<InvalidDataException>(() => other.LoadAdapter(folder, "y"));
            Assert.Contains(LoraModel.WeightsFile, e.Message);
            Assert.Contains("does not fit", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Partial_fine_tuning_recipes_count_what_they_train()
    {
        var c = LlamaConfig.Stories260K;
        var model = new LlamaForCausalLM(c);
        long all = ParameterCounts.Llama(c);
        Assert.Equal(all, Trainable.All(model));
        // Llama has no biases: BitFit trains nothing, its per-channel cousin trains the RMSNorm gains (2 per layer + 1)
        Assert.Equal(0, Trainable.BiasesOnly(model));
        Assert.Equal((2 * c.NumHiddenLayers + 1) * c.HiddenSize, Trainable.BiasesOnly(model, norms: true));
        long perLayer = (all - (long)c.VocabSize * c.HiddenSize - c.HiddenSize) / c.NumHiddenLayers;
        Assert.Equal(2 * perLayer + c.HiddenSize, Trainable.TopLayers(model, c.NumHiddenLayers, 2));
        Assert.Equal((long)c.VocabSize * c.HiddenSize, Trainable.TopLayers(model, c.NumHiddenLayers, 0, head: true));
    }

    [Fact]
    public void Memory_is_measured_on_the_tensors_adam_keeps_two_moments_per_trainable_parameter()
    {
        var model = TinyLlama.Create();
        var lora = LoraModel.Inject(model, new LoraConfig(2, 4));
        var optimizer = FineTuning.AdamW(model, 1e-3);
        var batch = CausalLmCollator.Collate([Ids, Ids[..4]]);
        CourseWorkbook.Training.CausalLmLoss.Compute(model.Forward(batch.input_ids, batch.attention_mask), batch.labels).backward();
        optimizer.step();
        var use = MemoryUse.Measure(model, optimizer);
        long trainable = lora.TrainableParameters;
        Assert.Equal(trainable * 8, use.GradientBytes);          // float64 gradients of the adapters only
        Assert.Equal(2 * trainable * 8, use.OptimizerBytes);     // exp_avg and exp_avg_sq
        Assert.Equal(lora.AllParameters * 8, use.WeightBytes - model.named_buffers().Sum(b => MemoryUse.Bytes(b.buffer)));
    }

    [Fact]
    public void Lora_plus_gives_B_a_larger_learning_rate_and_lora_fa_freezes_A()
    {
        var model = TinyLlama.Create();
        var lora = LoraModel.Inject(model, new LoraConfig(2, 4, 0, null, LoraVariant.LoRAFA));
        Assert.All(lora.Layers, l => Assert.False(l.A("default").requires_grad));
        Assert.Equal(lora.Layers.Sum(l => l.B("default").numel()), lora.TrainableParameters);

        var plusModel = TinyLlama.Create();
        var plus = LoraModel.Inject(plusModel, new LoraConfig(2, 4));
        var a0 = plus.Layers[0].A("default").clone();
        var optimizer = LoraVariants.LoraPlusAdamW(plus, 1e-3, ratio: 16);
        var batch = CausalLmCollator.Collate([Ids]);
        CourseWorkbook.Training.CausalLmLoss.Compute(plusModel.Forward(batch.input_ids), batch.labels).backward();
        optimizer.step();
        // B starts at zero, so A gets no gradient on the first step; B moves by about lr·ratio (Adam's first step is ±lr)
        Assert.True(Same(plus.Layers[0].A("default"), a0));
        Assert.InRange(plus.Layers[0].B("default").abs().max().item<double>(), 16e-3 * 0.99, 16e-3 * 1.01);
    }

    [Fact]
    public void Delta_lora_moves_W_by_lambda_times_the_change_of_the_adapter_product()
    {
        var model = TinyLlama.Create();
        var lora = LoraModel.Inject(model, new LoraConfig(2, 4));
        var layer = lora.Layers[0];
        var w0 = layer.Base.weight!.clone();
        var delta = new LoraVariants.DeltaLora(lora, lambda: 2);
        var optimizer = FineTuning.AdamW(model, 1e-2);
        var batch = CausalLmCollator.Collate([Ids]);
        for (int step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            CourseWorkbook.Training.CausalLmLoss.Compute(model.Forward(batch.input_ids), batch.labels).backward();
            delta.BeforeStep();
            optimizer.step();
            delta.AfterStep();
        }
        using var _ = no_grad();
        // ΔW starts at 0 (B = 0), so after any number of steps W − W₀ = λ·ΔW_now
        var moved = layer.Base.weight! - w0;
        Assert.True(moved.abs().max().item<double>() > 1e-4);
        Assert.True(moved.allclose(layer.DeltaWeight("default") * 2, rtol: 0, atol: 1e-12));
    }
}
