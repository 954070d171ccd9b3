using System.Diagnostics;
using System.Text.Json;
using ProcessFarm.Coordinator.Workers;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// docs/PROTOCOL.md is enough to drive a worker: scripts/protocol-client, written in JavaScript against an
/// off-the-shelf MessagePack library and node:crypto, plays coordinator against the real worker (scripts/setup.sh
/// installs it) over a Unix socket and over TCP, checks the document's worked handshake example, and runs every
/// conformance case of the document's section 8 with its own encoder. scripts/python/worker_start.py, a second
/// coordinator in Debian's Python with the standard library only, handshakes with the real worker both ways too.
/// </summary>
[Collection(WorkerCollection.Name)]
public class ProtocolClientTests
{
    private static string Scripts => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../scripts"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JavaScriptClient_DrivesARealWorker(bool tcp)
    {
        var (exitCode, stdout, stderr) = await RunClientAsync(tcp, "--conformance", ProtocolConformanceTests.ProtocolDocument);

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Contains("handshake vector: both documented proofs recomputed", stdout, StringComparison.Ordinal);
        Assert.Contains(tcp ? "over TCP" : "over a Unix socket", stdout, StringComparison.Ordinal);
        Assert.Contains($"conformance: {ProtocolConformanceTests.ReadTable().Count} cases", stdout, StringComparison.Ordinal);
        Assert.Contains("shutdown: worker exited with 0", stdout, StringComparison.Ordinal);
        Assert.Contains("all checks passed", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JavaScriptClient_WelcomeWithAWrongProof_WorkerExitsWithoutRunningTheJobBehindIt(bool tcp)
    {
        // The client forges the Welcome's proof with another secret and pipelines a file job behind it; it fails
        // unless the worker exits with 4, sends no frame and writes no output file.
        var (exitCode, stdout, stderr) = await RunClientAsync(tcp, "--wrong-welcome");

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Contains("wrong welcome: the worker refused it, exited with 4, answered nothing and wrote no file", stdout, StringComparison.Ordinal);
        Assert.Contains("error: the coordinator's Welcome does not prove the run's secret", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PythonWorkerStart_HandshakesARealWorker(bool tcp)
    {
        const string python = "/usr/bin/python3"; // Debian's, as docs/RESULTS.md runs it
        Assert.True(File.Exists(python), $"{python} is missing (scripts/setup.sh installs python3)");
        string worker = WorkerLocator.Find(null, out _)!;
        string[] arguments = [Path.Combine(Scripts, "python/worker_start.py"), worker, "--rounds", "1", .. tcp ? ["--tcp"] : Array.Empty<string>()];

        var (exitCode, stdout, stderr) = await RunAsync(python, arguments);

        Assert.True(exitCode == 0, stdout + stderr);
        using var result = JsonDocument.Parse(stdout);
        Assert.Equal(tcp ? "tcp" : "unix", result.RootElement.GetProperty("transport").GetString());
        Assert.True(result.RootElement.GetProperty("hello_ms").GetDouble() > 0, stdout);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunClientAsync(bool tcp, params string[] flags)
    {
        string client = Path.Combine(Scripts, "protocol-client/client.mjs");
        Assert.True(File.Exists(client), $"{client} is missing");
        string worker = WorkerLocator.Find(null, out _)!;
        return RunAsync("node", [client, worker, .. tcp ? ["--tcp"] : Array.Empty<string>(), .. flags]);
    }

    /// <summary>Runs a script to its end, or kills it (and the worker it started) at the test deadline.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync(TestHelpers.TimeoutToken());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
