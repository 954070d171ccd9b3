using System.Diagnostics;
using ProcessFarm.Coordinator.Workers;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// docs/PROTOCOL.md is enough to drive a worker: scripts/protocol-client, written in JavaScript against an
/// off-the-shelf MessagePack library, plays coordinator against the real worker (scripts/setup.sh installs it), and
/// runs every conformance case of the document's section 8 with its own encoder.
/// </summary>
[Collection(WorkerCollection.Name)]
public class ProtocolClientTests
{
    [Fact]
    public async Task JavaScriptClient_DrivesARealWorker()
    {
        string client = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../scripts/protocol-client/client.mjs"));
        Assert.True(File.Exists(client), $"{client} is missing");
        string worker = WorkerLocator.Find(null, out _)!;

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(client);
        info.ArgumentList.Add(worker);
        info.ArgumentList.Add("--conformance");
        info.ArgumentList.Add(ProtocolConformanceTests.ProtocolDocument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestHelpers.TimeoutToken());

        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        Assert.Contains("all checks passed", await stdout, StringComparison.Ordinal);
        Assert.Contains($"conformance: {ProtocolConformanceTests.ReadTable().Count} cases", await stdout, StringComparison.Ordinal);
    }
}
