using System.Text;

namespace CourseWorkbook.Runner.Output;

/// <summary>Writes files so that readers see the old file or the complete new one, never half of it.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes UTF-8 text (no BOM) to a temp file in the same
    /// folder, flushes it to disk, then renames it over the target.
    /// </summary>
    public static void WriteAllText(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// True for a temp file this class writes (<c>.name.PID.GUID.tmp</c>) whose writer process is gone.
    /// </summary>
    public static bool IsAbandonedTemp(string path)
    {
        var parts = Path.GetFileName(path).Split('.');
        if (parts.Length < 5 || parts[0] != "" || parts[^1] != "tmp" || !int.TryParse(parts[^3], out var pid))
            return false;
        try
        {
            using var writer = System.Diagnostics.Process.GetProcessById(pid);
            return writer.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
    }
}
