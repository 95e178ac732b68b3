namespace CourseWorkbook.Peft;

/// <summary>VeRA's settings, named as in Hugging Face peft's VeraConfig: rank <see cref="R"/> of the shared frozen
/// random matrices (VeRA affords a high rank, since they are not trained: peft's default is 256),
/// <see cref="ProjectionPrngKey"/> seeding them, <see cref="DInitial"/> the starting value of every λ_d,
/// <see cref="VeraDropout"/> on the adapter's input, and the Linear modules to adapt (matched like
/// <see cref="LoraConfig.Matches"/>).</summary>
public sealed record VeraConfig(int R = 256, IReadOnlyList<string>? TargetModules = null, int ProjectionPrngKey = 0,
    double DInitial = 0.1, double VeraDropout = 0)
{
    /// <summary>The target names (the query and value projections when none are given).</summary>
    public IReadOnlyList<string> Targets => TargetModules ?? LoraConfig.QueryValue;

    /// <summary>True when <paramref name="moduleName"/> (e.g. "model.layers.0.self_attn.q_proj") is a target.</summary>
    public bool Matches(string moduleName) =>
        Targets.Any(t => moduleName == t || moduleName.EndsWith("." + t, StringComparison.Ordinal));

    /// <summary>Checks the values a run cannot use and says which one is wrong.</summary>
    public void Validate()
    {
        if (R < 1) throw new ArgumentOutOfRangeException(nameof(R), R, "VeRA rank r must be at least 1");
        if (VeraDropout is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(VeraDropout), VeraDropout, "dropout must be in [0, 1)");
        if (Targets.Count == 0) throw new ArgumentException("no target modules given", nameof(TargetModules));
    }
}
