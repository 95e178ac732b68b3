namespace CourseWorkbook.Runtime;

/// <summary>Writes files so that a reader sees either the old content or the new, never half of it: the data goes
/// to a temporary file in the same folder, is flushed to disk, then renamed over the target.</summary>
public static class AtomicFile
{
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Atomically replaces <paramref name="path"/> with UTF-8 text.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true);
            w.Write(text);
        });

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> only if no file is there yet, atomically; returns
    /// false (and leaves the existing file alone) when another writer got there first. A file that is never replaced
    /// keeps its inode, which matters for a shared library another process may have mapped or be about to load.
    /// </summary>
    public static bool WriteNew(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        return Write(path, s => s.Write(copy), overwrite: false);
    }

    /// <summary>
    /// Atomically replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream.
    /// </summary>
    public static void Write(string path, Action<Stream> write) => Write(path, write, overwrite: true);

    static bool Write(string path, Action<Stream> write, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            if (overwrite || !File.Exists(full))
            {
                File.Move(temp, full, overwrite);
                return true;
            }
        }
        catch (IOException) when (!overwrite && File.Exists(full))
        {
            // Another writer created the file between the check and the move: theirs stays.
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
        try { File.Delete(temp); } catch (IOException) { }
        return false;
    }
}
