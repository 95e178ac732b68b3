using System.Text;

namespace CourseWorkbook.Plotting;

internal static class ChartFiles
{
    /// <summary>Writes UTF-8 text to a temporary file beside <paramref name="path"/>, then renames it over the target,
    /// so a reader sees the old file or the new one, never half of one.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, text, new UTF8Encoding(false));
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
