namespace CourseWorkbook.Peft;

/// <summary>Which member of the LoRA family an adapter is. All share ΔW = s·B·A with A [r, in], B [out, r].</summary>
public enum LoraVariant
{
    /// <summary>LoRA (Hu et al. 2021): A Kaiming-uniform, B zero, both trained.</summary>
    LoRA,
    /// <summary>LoRA-FA (Zhang et al. 2023): A stays at its random initialisation (frozen); only B
    /// trains.</summary>
    LoRAFA,
    /// <summary>DoRA (Liu et al. 2024): W' = m ⊙ (W + s·B·A) / ‖W + s·B·A‖ row-wise, with a trained magnitude m
    /// (peft's lora_magnitude_vector) initialised to ‖W‖; the norm is treated as a constant in the backward
    /// pass.</summary>
    DoRA,
}

/// <summary>A LoRA adapter's settings, named as in Hugging Face peft's LoraConfig: rank <see cref="R"/>,
/// <see cref="LoraAlpha"/> (the update is scaled by α / r), <see cref="LoraDropout"/> on the adapter's input, and
/// the names of the Linear modules to adapt (a module matches when its full name equals a target or ends with
/// "." + target, e.g. "q_proj").</summary>
public sealed record LoraConfig(int R = 8, double LoraAlpha = 8, double LoraDropout = 0,
    IReadOnlyList<string>? TargetModules = null, LoraVariant Variant = LoraVariant.LoRA)
{
    /// <summary>peft's default targets for Llama and Qwen2: the query and value projections.</summary>
    public static IReadOnlyList<string> QueryValue { get; } = ["q_proj", "v_proj"];

    /// <summary>Every linear layer of a Llama decoder layer (attention and MLP).</summary>
    public static IReadOnlyList<string> AllLinear { get; } =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The target names (<see cref="QueryValue"/> when none are given).</summary>
    public IReadOnlyList<string> Targets => TargetModules ?? QueryValue;

    /// <summary>s = α / r, the factor on B·A.</summary>
    public double Scaling => LoraAlpha / R;

    /// <summary>True when <paramref name="moduleName"/> (e.g. "model.layers.0.self_attn.q_proj") is a target.</summary>
    public bool Matches(string moduleName) =>
        Targets.Any(t => moduleName == t || moduleName.EndsWith("." + t, StringComparison.Ordinal));

    /// <summary>Checks the values a run cannot use and says which one is wrong.</summary>
    public void Validate()
    {
        if (R < 1) throw new ArgumentOutOfRangeException(nameof(R), R, "LoRA rank r must be at least 1");
        if (LoraDropout is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(LoraDropout), LoraDropout, "dropout must be in [0, 1)");
        if (Targets.Count == 0) throw new ArgumentException("no target modules given", nameof(TargetModules));
    }
}
