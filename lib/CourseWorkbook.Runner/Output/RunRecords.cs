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

/// <summary>
/// A displayed value (display_data) or the cell's trailing value (execute_result); Update replaces Data.
/// </summary>
public sealed class DataOutput(IReadOnlyDictionary<string, string> data, bool isResult, string? displayId = null)
    : CellOutput
{
    public IReadOnlyDictionary<string, string> Data { get; set; } = data;
    public bool IsResult { get; } = isResult;
    public string? DisplayId { get; } = displayId;

    /// <summary>True once an update event has been matched to this display.</summary>
    public bool Claimed { get; set; }
}

/// <summary>A cell's error: exception type, message and traceback lines.</summary>
public sealed class ErrorOutput(string name, string value, IReadOnlyList<string> traceback) : CellOutput
{
    public string Name { get; } = name;
    public string Value { get; } = value;
    public IReadOnlyList<string> Traceback { get; } = traceback;
}

/// <summary>
/// What happened to one cell: status, wall time (from submitting it to the kernel to its completion) and outputs.
/// </summary>
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
    public List<CellOutput> Outputs { get; } = [];

    /// <summary>True once the cell's console text reached the runner's cap and was cut.</summary>
    public bool OutputCut { get; set; }
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

    /// <summary>From starting the kernel process to its KernelReady event.</summary>
    public double? KernelStartMs { get; set; }

    /// <summary>
    /// Wall times of trivial cells run after the notebook passed: the per-cell cost of runner and kernel.
    /// </summary>
    public List<double> TrivialCellMs { get; } = [];
    public Dictionary<string, object> Results { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> DeclaredParameters { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> Warnings { get; } = [];

    /// <summary>The cell that failed or timed out, if any.</summary>
    public CellRecord? FailedCell => Cells.FirstOrDefault(c => c.Status is CellStatus.Failed or CellStatus.Timeout);
}
