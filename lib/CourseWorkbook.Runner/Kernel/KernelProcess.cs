using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;

namespace CourseWorkbook.Runner.Kernel;

/// <summary>
/// One running kernel process, driven over its stdio protocol: one JSON envelope per line each way. Events are read
/// on a background task into a queue; every wait on them has a limit. <see cref="Stop"/> sends Quit and kills the
/// process tree if the kernel is still there a moment later (closing stdin alone leaves the kernel spinning). Started
/// through setsid, the kernel leads its own process group: processes its cells start are ended with it, even those
/// that outlive the kernel or hold its stdout open.
/// </summary>
public sealed class KernelProcess : IDisposable
{
    const int TailLines = 40;

    readonly Process process;
    readonly Channel<KernelEvent> events = Channel.CreateUnbounded<KernelEvent>();
    readonly Queue<string> stderrTail = new();
    readonly Task readStdout;
    readonly Task readStderr;
    readonly Task watchExit;
    readonly Lock writeGate = new();
    readonly bool leadsGroup;

    KernelProcess(Process process, bool leadsGroup)
    {
        this.process = process;
        this.leadsGroup = leadsGroup;
        readStdout = Task.Run(ReadStdoutAsync);
        readStderr = Task.Run(ReadStderrAsync);
        watchExit = Task.Run(WatchExitAsync);
    }

    /// <summary>Starts the kernel; the caller then waits for <see cref="WaitReadyAsync"/>.</summary>
    public static KernelProcess Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new KernelException($"could not start {start.FileName}");
        return new KernelProcess(process, start.FileName == KernelTool.Setsid);
    }

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The exit code, once the process has ended.</summary>
    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>The last lines the kernel wrote to stderr, and stdout text that was not a protocol envelope.</summary>
    public string Tail
    {
        get
        {
            lock (stderrTail) return string.Join("\n", stderrTail);
        }
    }

    /// <summary>Waits for the KernelReady event. False when the time runs out or the process ends first.</summary>
    public async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        while (await ReadAsync(timeout, cancel) is { } e)
            if (e.EventType == "KernelReady") return true;
        return false;
    }

    /// <summary>The next event; null when the process ended (all its events read) or <paramref name="timeout"/> ran out
    /// (then <see cref="HasExited"/> tells which).</summary>
    public async Task<KernelEvent?> ReadAsync(TimeSpan timeout, CancellationToken cancel)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        try
        {
            return await events.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            // Let the process finish exiting so that the exit code is known.
            process.WaitForExit(2000);
            return null;
        }
    }

    /// <summary>Sends SubmitCode for <paramref name="code"/> to the kernel named <paramref name="kernelName"/>.
    /// False when the kernel is gone.</summary>
    public bool Submit(string token, string code, string kernelName) => Send(writer =>
    {
        writer.WriteString("token", token);
        writer.WriteString("commandType", "SubmitCode");
        writer.WriteStartObject("command");
        writer.WriteString("code", code);
        writer.WriteString("targetKernelName", kernelName);
        writer.WriteEndObject();
    });

    bool Send(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        var line = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        try
        {
            lock (writeGate)
            {
                process.StandardInput.Write(line + "\n");
                process.StandardInput.Flush();
            }

            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Ends the kernel: Quit, then a kill of the whole process tree if it is still running after
    /// <paramref name="grace"/>. Returns once the process and the readers are done (bounded).</summary>
    public void Stop(TimeSpan? grace = null)
    {
        if (!process.HasExited)
        {
            Send(writer =>
            {
                writer.WriteString("commandType", "Quit");
                writer.WriteStartObject("command");
                writer.WriteEndObject();
            });
            if (!process.WaitForExit(grace ?? TimeSpan.FromSeconds(3))) Kill();
        }

        KillGroup(); // what the cells started and left behind
        Task.WaitAll([readStdout, readStderr, watchExit], TimeSpan.FromSeconds(3));
    }

    /// <summary>Kills the process and everything it started, at once.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }

        KillGroup();
    }

    void KillGroup()
    {
        if (leadsGroup && OperatingSystem.IsLinux()) _ = kill(-process.Id, 9 /* SIGKILL */);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public void Dispose()
    {
        if (!process.HasExited) Kill();
        process.Dispose();
    }

    async Task ReadStdoutAsync()
    {
        try
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (KernelEvent.Parse(line, out var noise) is { } e) events.Writer.TryWrite(e);
                if (!string.IsNullOrWhiteSpace(noise)) Remember($"(stdout) {noise}");
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            events.Writer.TryComplete();
        }
    }

    // stdout ends when the last process holding it does: a process a cell started can keep it open after the kernel
    // died. So the end of the kernel process itself also ends the events, once what it wrote has been read.
    async Task WatchExitAsync()
    {
        await process.WaitForExitAsync();
        await Task.WhenAny(readStdout, Task.Delay(1000));
        events.Writer.TryComplete();
    }

    async Task ReadStderrAsync()
    {
        try
        {
            while (await process.StandardError.ReadLineAsync() is { } line) Remember(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    void Remember(string line)
    {
        lock (stderrTail)
        {
            stderrTail.Enqueue(line.Length > 2000 ? line[..2000] + " ..." : line);
            if (stderrTail.Count > TailLines) stderrTail.Dequeue();
        }
    }
}
