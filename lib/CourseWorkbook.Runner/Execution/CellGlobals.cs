namespace CourseWorkbook.Runner.Execution;

/// <summary>The globals object of every cell: what a cell can call without a using, e.g. <c>display(value)</c>.</summary>
public class CellGlobals
{
    private readonly Func<object?, string?, Action<object?>> _display;

    /// <summary>Creates globals whose display() goes through the given host display function.</summary>
    public CellGlobals(Func<object?, string?, Action<object?>> display) => _display = display;

    /// <summary>Shows a value as a display output of the current cell (optionally as one mime type); Update() replaces it.</summary>
#pragma warning disable IDE1006 // lower-case like .NET Interactive's display()
    public DisplayedValue display(object? value, string? mimeType = null) => new(_display(value, mimeType));
#pragma warning restore IDE1006
}

/// <summary>A displayed output that can be replaced in place, e.g. a progress line.</summary>
public sealed class DisplayedValue(Action<object?> update)
{
    /// <summary>Replaces the displayed output with a new value, formatted as the original was.</summary>
    public void Update(object? value) => update(value);
}
