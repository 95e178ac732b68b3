using System.Net;
using System.Net.Sockets;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

public class StalledSourceTests
{
    [Fact]
    public void A_package_source_that_never_answers_is_reported_as_a_stalled_restore()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            try
            {
                while (true) held.Add(await silent.AcceptTcpClientAsync(stop.Token)); // accept, then say nothing: not even the TLS handshake
            }
            catch (OperationCanceledException)
            {
            }
        });
        try
        {
            var run = RunnerProcess.RunNotebooks(["stalled-restore.dib"], ["--cell-timeout", "20"], prepare: folder =>
                File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
                    <?xml version="1.0" encoding="utf-8"?>
                    <configuration>
                      <packageSources>
                        <clear />
                        <add key="silent" value="https://127.0.0.1:{port}/v3/index.json" />
                      </packageSources>
                    </configuration>
                    """));

            Assert.Equal(1, run.ExitCode);
            var cell = run.Cell("stalled-restore", 1);
            Assert.Equal("timeout", cell.GetProperty("status").GetString());
            Assert.Equal("timed out after 20 s while restoring NuGet packages (#r \"nuget:\"): a package source did not answer",
                cell.GetProperty("error").GetString());
            Assert.Empty(RunnerProcess.KernelsFor(run.Folder));
        }
        finally
        {
            stop.Cancel();
            silent.Stop();
            accept.Wait(TimeSpan.FromSeconds(5));
            foreach (var client in held) client.Dispose();
        }
    }
}
