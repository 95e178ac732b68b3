using System.Diagnostics;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>Kernels that never get going, and a runner stopped by a signal: every wait is bounded and no process is left.</summary>
public class KernelFaultTests
{
    [Fact]
    public void A_kernel_that_never_reports_ready_fails_the_notebook_within_the_kernel_timeout()
    {
        var fake = FakeKernel("silent", "# says nothing, ever\nexec sleep 600\n");

        var run = RunnerProcess.RunNotebooks(["passes.dib"], ["--kernel-timeout", "3"],
            new Dictionary<string, string> { ["COURSEWORKBOOK_KERNEL"] = fake });

        Assert.Equal(1, run.ExitCode);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(30), $"took {run.Elapsed}");
        var cell = run.Cell("passes", 1);
        Assert.Equal("KernelNotReady: the kernel did not report ready within 3 s", cell.GetProperty("error").GetString());
        Assert.Equal("skipped", run.Cell("passes", 2).GetProperty("status").GetString());
        Assert.Contains("passes.dib: cell 1", run.Stderr);
        Assert.Empty(RunnerProcess.ProcessesMentioning(fake));
    }

    [Fact]
    public void A_kernel_that_exits_at_start_fails_the_notebook_with_its_exit_code_and_stderr()
    {
        var fake = FakeKernel("broken", "echo 'cannot start: no runtime' >&2\nexit 7\n");

        var run = RunnerProcess.RunNotebooks(["passes.dib"], [], new Dictionary<string, string> { ["COURSEWORKBOOK_KERNEL"] = fake });

        Assert.Equal(1, run.ExitCode);
        var error = run.Cell("passes", 1).GetProperty("error").GetString();
        Assert.StartsWith("KernelNotReady: the kernel exited with code 7 before it reported ready", error);
        Assert.Contains("cannot start: no runtime", error);
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task A_signal_ends_the_kernels_and_leaves_no_half_written_output(string signal, int exitCode)
    {
        var folder = TestPaths.NewTempDirectory("signal");
        File.Copy(TestPaths.Notebook("passes.dib"), Path.Combine(folder, "a-passes.dib"));
        File.Copy(TestPaths.Notebook("hangs.dib"), Path.Combine(folder, "b-hangs.dib"));
        var outDirectory = Path.Combine(folder, "out");
        var start = new ProcessStartInfo(Kernel.KernelTool.DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var arg in new[] { RunnerProcess.RunnerAssembly, "run", folder, "--out", outDirectory, "--cell-timeout", "120" })
            start.ArgumentList.Add(arg);
        using var runner = Process.Start(start)!;
        var stderr = runner.StandardError.ReadToEndAsync();
        try
        {
            // Wait until the second notebook's kernel spins in its endless cell.
            var clock = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(outDirectory, "a-passes.ipynb")) || RunnerProcess.KernelsFor(folder).Count == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "the runner never reached the hanging notebook");
                Thread.Sleep(100);
            }

            Thread.Sleep(3000);
            if (signal == "INT" && SigintIgnoredByThisProcess())
            {
                // Started in the background (or under nohup), this process ignores SIGINT, and so does every process it
                // starts, the runner included, as Unix programs do: then SIGINT must change nothing, and SIGTERM still
                // ends the run cleanly.
                await Send("INT", runner.Id);
                Assert.False(runner.WaitForExit(TimeSpan.FromSeconds(5)), "an ignored SIGINT stopped the runner");
                (signal, exitCode) = ("TERM", 143);
            }

            await Send(signal, runner.Id);

            if (!runner.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                runner.Kill(entireProcessTree: true);
                Assert.Fail($"the runner did not stop within 60 s of SIG{signal}; its stderr:\n{await stderr}");
            }

            Assert.Equal(exitCode, runner.ExitCode);
            Assert.Contains("interrupted", await stderr);
            Assert.Empty(RunnerProcess.KernelsFor(folder));
            var files = Directory.GetFiles(outDirectory).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(["a-passes.ipynb", "junit.xml", "summary.json", "summary.md"], files);
        }
        finally
        {
            if (!runner.HasExited) runner.Kill(entireProcessTree: true);
        }
    }

    static async Task Send(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString()]);
        await kill.WaitForExitAsync();
    }

    // SIGINT is signal 2: bit 1 of the SigIgn mask in /proc/self/status.
    static bool SigintIgnoredByThisProcess() =>
        File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:")) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;

    // A shell script that stands in for the kernel (through COURSEWORKBOOK_KERNEL), in a fresh folder.
    static string FakeKernel(string name, string body)
    {
        var path = Path.Combine(TestPaths.NewTempDirectory(name), name + "-kernel.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}

public class ChildProcessTests
{
    [Fact]
    public void A_kernel_that_dies_while_its_child_holds_stdout_is_reported_at_once_and_the_child_ends_too()
    {
        var run = RunnerProcess.RunNotebooks(["child-then-exit.dib"], ["--cell-timeout", "100"]);

        Assert.Equal(1, run.ExitCode);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(40), $"took {run.Elapsed}: the runner waited for the child");
        Assert.Contains("exited with code 4", run.Cell("child-then-exit", 1).GetProperty("error").GetString());
        Assert.Empty(RunnerProcess.ProcessesMentioning("sleep\0171"));
    }

    [Fact]
    public void Processes_a_passing_notebook_started_do_not_outlive_the_run()
    {
        var run = RunnerProcess.RunNotebooks(["leaves-child.dib"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Empty(RunnerProcess.ProcessesMentioning("sleep\0172"));
    }
}
