using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>The LoRA variants that change how adapters train rather than what they compute: LoRA+ (B learns
/// faster than A) and Delta-LoRA (the frozen W also moves, by the change of s·B·A).</summary>
public static class LoraVariants
{
    /// <summary>LoRA+ (Hayou et al. 2024): AdamW with two parameter groups, the A matrices at
    /// <paramref name="lr"/> and the B matrices at <paramref name="ratio"/> × <paramref name="lr"/> (the paper
    /// suggests a ratio around 16).</summary>
    public static optim.Optimizer LoraPlusAdamW(LoraModel model, double lr, double ratio = 16)
    {
        var adapter = model.ActiveAdapter;
        var a = model.Layers.Where(l => l.Adapters.Contains(adapter)).Select(l => l.A(adapter))
            .Where(p => p.requires_grad).ToList();
        var b = model.Layers.Where(l => l.Adapters.Contains(adapter)).Select(l => l.B(adapter)).ToList();
        var groups = new List<AdamW.ParamGroup>();
        if (a.Count > 0) groups.Add(new AdamW.ParamGroup(a, new AdamW.Options { LearningRate = lr }));
        groups.Add(new AdamW.ParamGroup(b, new AdamW.Options { LearningRate = lr * ratio }));
        return optim.AdamW(groups, lr: lr, weight_decay: 0);
    }

    /// <summary>Delta-LoRA (Zi et al. 2023): after each optimizer step, W ← W + λ·(ΔW_{t+1} − ΔW_t) with
    /// ΔW = s·B·A, so the pretrained weights follow the adapters without gradients or optimizer state of their
    /// own. Call <see cref="BeforeStep"/> and <see cref="AfterStep"/> around optimizer.step().</summary>
    public sealed class DeltaLora(LoraModel model, double lambda = 2.0)
    {
        readonly Dictionary<LoraLayer, Tensor> before = new();

        /// <summary>λ, the update ratio.</summary>
        public double Lambda { get; } = lambda;

        /// <summary>Remembers ΔW_t of every adapted layer.</summary>
        public void BeforeStep()
        {
            using var _ = no_grad();
            foreach (var l in model.Layers)
            {
                if (before.Remove(l, out var old)) old.Dispose();
                before[l] = l.DeltaWeight(model.ActiveAdapter).DetachFromDisposeScope();
            }
        }

        /// <summary>Moves each W by λ·(ΔW_{t+1} − ΔW_t).</summary>
        public void AfterStep()
        {
            using var _ = no_grad();
            foreach (var l in model.Layers)
            {
                if (!before.Remove(l, out var old)) continue;
                using var now = l.DeltaWeight(model.ActiveAdapter);
                l.Base.weight!.add_((now - old) * Lambda);
                old.Dispose();
            }
        }
    }
}
