using System.Diagnostics;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>
/// What a submission's kernel may see and change while it is graded. On Linux the kernel starts in its own user and
/// mount namespaces (<c>unshare --user --map-root-user --mount</c>, no privilege needed): the folders holding the
/// answer key and the other submissions are covered by an empty in-memory file system, the grading folder is
/// read-only, and only the submission's own scratch folder can be written. Elsewhere (or without unshare) the kernel
/// runs unconfined, and <see cref="Describe"/> says so.
/// </summary>
public sealed class Containment
{
    /// <summary>The unshare program, when this system has one that works for an unprivileged user.</summary>
    public static string? Unshare { get; } = FindUnshare();

    readonly IReadOnlyList<string> hidden;
    readonly IReadOnlyList<string> readOnly;

    /// <param name="hidden">Folders the kernel must not read (the key's folder, the submissions' folders).</param>
    /// <param name="readOnly">Folders the kernel must not change (the grading output folder).</param>
    public Containment(IEnumerable<string> hidden, IEnumerable<string> readOnly)
    {
        this.hidden = hidden.Select(Path.GetFullPath).Distinct().ToList();
        this.readOnly = readOnly.Select(Path.GetFullPath).Distinct().ToList();
    }

    /// <summary>True when kernels are confined.</summary>
    public bool IsEnforced => Unshare is not null;

    /// <summary>One line for the grader's log and summary.</summary>
    public string Describe() => IsEnforced
        ? $"submissions run confined (user + mount namespaces): {hidden.Count} folders hidden, "
          + $"{readOnly.Count} read-only, only the submission's scratch folder writable"
        : "WARNING: no usable unshare on this system: submissions run unconfined and could read the answer key";

    /// <summary>Rewrites a kernel's start so that it runs confined, writing only to <paramref name="scratch"/>;
    /// unchanged when confinement is not available.</summary>
    public void Apply(ProcessStartInfo start, string scratch)
    {
        if (Unshare is null) return;
        var script = new List<string> { "set -e" };
        foreach (var folder in readOnly.Where(Directory.Exists))
            script.Add($"mount --bind {Quote(folder)} {Quote(folder)} && mount -o remount,bind,ro {Quote(folder)}");
        var own = Path.GetFullPath(scratch);
        script.Add($"mount --bind {Quote(own)} {Quote(own)} && mount -o remount,bind,rw {Quote(own)}");
        foreach (var folder in hidden.Where(Directory.Exists))
            script.Add($"mount -t tmpfs -o size=64k,mode=0555 courseworkbook-hidden {Quote(folder)}");
        script.Add("exec \"$@\"");

        // The original command becomes the arguments of the shell that sets the mounts up and then execs it.
        var original = new List<string> { start.FileName };
        original.AddRange(start.ArgumentList);
        // setsid stays outermost, so the runner still ends the kernel's whole process group.
        bool setsid = Path.GetFileName(start.FileName) == "setsid";
        start.ArgumentList.Clear();
        if (setsid)
        {
            original.RemoveAt(0);
            start.ArgumentList.Add(Unshare);
        }
        else
        {
            start.FileName = Unshare;
        }
        foreach (var arg in new[] { "--user", "--map-root-user", "--mount", "--", "/bin/sh", "-c",
                     string.Join("\n", script), "courseworkbook-kernel" })
            start.ArgumentList.Add(arg);
        foreach (var arg in original) start.ArgumentList.Add(arg);
    }

    static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    static string? FindUnshare()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var program = new[] { "/usr/bin/unshare", "/bin/unshare" }.FirstOrDefault(File.Exists);
        if (program is null) return null;
        try
        {
            var probe = new ProcessStartInfo(program)
                { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { "--user", "--map-root-user", "--mount", "--", "/bin/sh", "-c",
                         "mount -t tmpfs none /tmp 2>/dev/null || mount -t tmpfs none /mnt" })
                probe.ArgumentList.Add(arg);
            using var process = Process.Start(probe);
            if (process is null || !process.WaitForExit(5000))
            {
                process?.Kill(entireProcessTree: true);
                return null;
            }
            return process.ExitCode == 0 ? program : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
