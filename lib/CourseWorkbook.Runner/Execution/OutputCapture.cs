using System.Text;

namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// Routes what a cell writes (Console.Out/Error, display, Update) to protocol events tagged with the current cell.
/// Console text is buffered and flushed every 200 ms, before any other output, and when the cell ends.
/// </summary>
public sealed class OutputCapture : IDisposable
{
    private const int MaxBuffer = 16 * 1024;
    private readonly WorkerEventWriter _events;
    private readonly Lock _gate = new();
    private readonly StringBuilder _pending = new();
    private readonly Timer _timer;
    private string _pendingStream = "stdout";
    private int _cell;
    private int _nextDisplayId;

    /// <summary>Starts the periodic flush.</summary>
    public OutputCapture(WorkerEventWriter events)
    {
        _events = events;
        _timer = new Timer(_ => Flush(), null, 200, 200);
    }

    /// <summary>The 1-based cell that receives output; setting it flushes what the previous cell wrote.</summary>
    public int Cell
    {
        get { lock (_gate) return _cell; }
        set { lock (_gate) { FlushLocked(); _cell = value; } }
    }

    /// <summary>A TextWriter for Console.SetOut / SetError that feeds the named stream (stdout or stderr).</summary>
    public TextWriter CreateWriter(string stream) => new CaptureWriter(this, stream);

    /// <summary>Appends stream text.</summary>
    public void Write(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (_gate)
        {
            if (_pendingStream != stream) FlushLocked();
            _pendingStream = stream;
            _pending.Append(text);
            if (_pending.Length >= MaxBuffer) FlushLocked();
        }
    }

    /// <summary>Sends buffered stream text now.</summary>
    public void Flush()
    {
        lock (_gate) FlushLocked();
    }

    /// <summary>Adds a display output to the current cell and returns an updater that replaces it.</summary>
    public Action<object?> Display(object? value, string? mimeType)
    {
        var bundle = ValueFormatter.Format(value, mimeType);
        string id;
        lock (_gate)
        {
            FlushLocked();
            id = "d" + ++_nextDisplayId;
            var cell = _cell;
            _events.Write(WorkerEvent.Display, j =>
            {
                j.WriteNumber("cell", cell);
                j.WriteString("id", id);
                WorkerEventWriter.WriteBundle(j, "data", bundle);
            });
        }

        return newValue =>
        {
            var updated = ValueFormatter.Format(newValue, mimeType);
            _events.Write(WorkerEvent.Update, j =>
            {
                j.WriteString("id", id);
                WorkerEventWriter.WriteBundle(j, "data", updated);
            });
        };
    }

    /// <summary>Writes any event after flushing buffered stream text, so outputs keep their order.</summary>
    public void Emit(string type, Action<System.Text.Json.Utf8JsonWriter> fields)
    {
        lock (_gate)
        {
            FlushLocked();
            _events.Write(type, fields);
        }
    }

    private void FlushLocked()
    {
        if (_pending.Length == 0 || _cell <= 0) return;
        var text = _pending.ToString();
        _pending.Clear();
        var (cell, stream) = (_cell, _pendingStream);
        _events.Write(WorkerEvent.Stream, j =>
        {
            j.WriteNumber("cell", cell);
            j.WriteString("name", stream);
            j.WriteString("text", text);
        });
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private sealed class CaptureWriter(OutputCapture capture, string stream) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => capture.Write(stream, value.ToString());
        public override void Write(string? value) => capture.Write(stream, value ?? "");
        public override void Write(char[] buffer, int index, int count) => capture.Write(stream, new string(buffer, index, count));
        public override void Write(ReadOnlySpan<char> buffer) => capture.Write(stream, new string(buffer));
        public override void WriteLine(string? value) => capture.Write(stream, (value ?? "") + new string(CoreNewLine));
    }
}
