using System.Text;
using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Output;

/// <summary>Status of a cell after a run.</summary>
public static class CellStatus
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Timeout = "timeout";
}

/// <summary>One output of a code cell, in the order the cell produced it.</summary>
public abstract class CellOutput;

/// <summary>Console text written to stdout or stderr.</summary>
public sealed class StreamOutput(string name) : CellOutput
{
    public string Name { get; } = name;
    public StringBuilder Text { get; } = new();
}

/// <summary>A displayed value (display_data) or the cell's trailing value (execute_result); Update replaces Data.</summary>
public sealed class DataOutput(IReadOnlyDictionary<string, string> data, bool isResult, string? displayId = null) : CellOutput
{
    public IReadOnlyDictionary<string, string> Data { get; set; } = data;
    public bool IsResult { get; } = isResult;
    public string? DisplayId { get; } = displayId;
}

/// <summary>A cell's error: exception type, message and traceback lines.</summary>
public sealed class ErrorOutput(string name, string value, IReadOnlyList<string> traceback) : CellOutput
{
    public string Name { get; } = name;
    public string Value { get; } = value;
    public IReadOnlyList<string> Traceback { get; } = traceback;
}

/// <summary>What happened to one cell: status, timings (wall time and phases, measured in the worker) and outputs.</summary>
public sealed class CellRecord(int index, DibCell cell)
{
    /// <summary>1-based position of the cell in the notebook (markdown cells count).</summary>
    public int Index { get; } = index;
    public DibCell Cell { get; } = cell;
    public string Kind => Cell.KernelName;
    public bool IsCode => !Cell.IsMarkdown;
    public string Status { get; set; } = CellStatus.Skipped;
    public double Seconds { get; set; }
    public string? Error { get; set; }

    /// <summary>Line of the error within the cell (1-based), when known.</summary>
    public int? ErrorLine { get; set; }
    public int? ExecutionCount { get; set; }
    public double? RestoreMs { get; set; }
    public bool? RestoreFromCache { get; set; }
    public double? WarmUpWaitMs { get; set; }
    public double? CompileMs { get; set; }
    public double? RunMs { get; set; }
    public List<CellOutput> Outputs { get; } = [];

    /// <summary>True once the cell's console text reached the runner's cap and was cut.</summary>
    public bool OutputCut { get; set; }

    /// <summary>Wall time minus restore, compile and run: what the runner itself cost for this cell.</summary>
    public double? OverheadMs => CompileMs is { } c && RunMs is { } r
        ? Math.Max(0, Seconds * 1000 - c - r - (RestoreMs ?? 0))
        : null;

    /// <summary>True when the cell mentions TorchSharp (a package reference or a using).</summary>
    public bool LoadsTorchSharp => Cell.IsCSharp && Cell.Source.Contains("TorchSharp", StringComparison.Ordinal);
}

/// <summary>One notebook's run: its cells, published results, declared parameters and timings.</summary>
public sealed class NotebookRecord(string path, string name, DibDocument document, IReadOnlyList<CellRecord> cells)
{
    public string Path { get; } = path;

    /// <summary>Name used for output files: the .dib file name without extension (made unique within a run).</summary>
    public string Name { get; } = name;
    public DibDocument Document { get; } = document;
    public IReadOnlyList<CellRecord> Cells { get; } = cells;
    public string Status => Cells.All(c => c.Status == CellStatus.Passed) ? CellStatus.Passed : CellStatus.Failed;
    public double Seconds { get; set; }
    public double? WorkerStartMs { get; set; }

    /// <summary>True when the worker ran from the ReadyToRun copy (Roslyn precompiled), false when jitted.</summary>
    public bool? WorkerReadyToRun { get; set; }
    public Dictionary<string, object> Results { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> DeclaredParameters { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> Warnings { get; } = [];

    /// <summary>The cell that failed or timed out, if any.</summary>
    public CellRecord? FailedCell => Cells.FirstOrDefault(c => c.Status is CellStatus.Failed or CellStatus.Timeout);
}
