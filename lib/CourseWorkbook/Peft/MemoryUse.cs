using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>Bytes a training run holds, measured on the tensors themselves: weights (every parameter and buffer
/// once), gradients (the .grad tensors that exist after a backward pass) and optimiser state (the tensors the
/// optimiser keeps per parameter, e.g. Adam's two moments).</summary>
public sealed record MemoryUse(long WeightBytes, long GradientBytes, long OptimizerBytes)
{
    /// <summary>Weights + gradients + optimiser state.</summary>
    public long TotalBytes => WeightBytes + GradientBytes + OptimizerBytes;

    /// <summary>Measures <paramref name="model"/> after a backward pass and <paramref name="optimizer"/> after a
    /// step. <paramref name="extraWeightBytes"/> adds storage that lives outside the parameters (a quantised
    /// base).</summary>
    public static MemoryUse Measure(nn.Module model, optim.Optimizer? optimizer, long extraWeightBytes = 0)
    {
        var parameters = model.named_parameters().Select(p => p.parameter).ToList();
        long weights = parameters.Sum(Bytes) + model.named_buffers().Sum(b => Bytes(b.buffer)) + extraWeightBytes;
        long grads = parameters.Where(p => p.grad is not null).Sum(p => Bytes(p.grad!));
        return new MemoryUse(weights, grads, optimizer is null ? 0 : OptimizerStateBytes(optimizer));
    }

    /// <summary>numel × element size.</summary>
    public static long Bytes(Tensor t) => t.numel() * t.ElementSize;

    /// <summary>Σ bytes of the tensors in the optimiser's per-parameter state (its state_dict's entries, whose
    /// tensor fields are exp_avg, exp_avg_sq, ... for Adam; the reference to the parameter itself is not state),
    /// each tensor once.</summary>
    public static long OptimizerStateBytes(optim.Optimizer optimizer)
    {
        if (optimizer is not TorchSharp.Modules.OptimizerHelper helper)
            throw new NotSupportedException($"{optimizer.GetType().Name} does not expose its state");
        var seen = new HashSet<IntPtr>();
        return helper.state_dict().State.Sum(state => TensorFieldBytes(state, seen));
    }

    static long TensorFieldBytes(object state, HashSet<IntPtr> seen)
    {
        long total = 0;
        for (var type = state.GetType(); type is not null && type != typeof(object); type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public
                         | BindingFlags.DeclaredOnly))
                if (field.GetValue(state) is Tensor t and not TorchSharp.Modules.Parameter && !t.IsInvalid
                    && seen.Add(t.Handle))
                    total += Bytes(t);
        return total;
    }
}
