using System.Runtime.InteropServices;
using System.Text.Json;

namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// The worker → parent protocol: one JSON object per line, field "t" naming the event:
/// ready, warm, start, stream, display, update, result, error, publish, param, end, done.
/// </summary>
public static class WorkerEvent
{
    public const string Ready = "ready";

    /// <summary>Roslyn's warm-up finished; time spent waiting for it does not count against a cell's timeout.</summary>
    public const string Warm = "warm";
    public const string Start = "start";
    public const string Stream = "stream";
    public const string Display = "display";
    public const string Update = "update";
    public const string Result = "result";
    public const string Error = "error";
    public const string Publish = "publish";
    public const string Param = "param";
    public const string End = "end";
    public const string Done = "done";
}

/// <summary>Writes protocol events on a stream private to the worker; safe to call from any thread.</summary>
public sealed class WorkerEventWriter(Stream stream) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Utf8JsonWriter _json = new(stream, new JsonWriterOptions { SkipValidation = false });

    /// <summary>Writes one event: the type plus whatever fields <paramref name="fields"/> writes; flushed at once.</summary>
    public void Write(string type, Action<Utf8JsonWriter>? fields = null)
    {
        lock (_gate)
        {
            _json.Reset();
            _json.WriteStartObject();
            _json.WriteString("t", type);
            fields?.Invoke(_json);
            _json.WriteEndObject();
            _json.Flush();
            stream.WriteByte((byte)'\n');
            stream.Flush();
        }
    }

    /// <summary>Writes a mime bundle as a JSON object of strings.</summary>
    public static void WriteBundle(Utf8JsonWriter json, string property, IReadOnlyDictionary<string, string> bundle)
    {
        json.WriteStartObject(property);
        foreach (var (mime, text) in bundle) json.WriteString(mime, text);
        json.WriteEndObject();
    }

    public void Dispose() => _json.Dispose();

    /// <summary>
    /// Takes the process's stdout for the protocol. On Unix the original fd 1 is duplicated for the protocol and fd 1
    /// is pointed at stderr, so native code printing to stdout can never corrupt the event stream.
    /// </summary>
    public static Stream OpenProtocolStream()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            var fd = Dup(1);
            if (fd >= 0 && Dup2(2, 1) >= 0)
                return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
        }

        return Console.OpenStandardOutput();
    }

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int oldFd, int newFd);
}
