namespace CourseWorkbook.Runner;

/// <summary>Entry point of the headless notebook runner.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: CourseWorkbook.Runner run <notebook.dib|folder>... [--out DIR] [--cell-timeout SECONDS] [--set NAME=VALUE]...");
        return 2;
    }
}
