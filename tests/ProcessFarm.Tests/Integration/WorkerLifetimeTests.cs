using System.Diagnostics;
using System.Text;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// docs/PROTOCOL.md, "Launching a worker": the secret line's exact format and deadline, and a worker that never
/// outlives its coordinator's connection, even in the middle of a job that would run for seconds.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class WorkerLifetimeTests
{
    private const string Hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    [Fact]
    public async Task ClosingTheSocket_DuringALongJob_EndsTheWorkerAtOnce_WithoutParentDeath()
    {
        // The test process, the worker's --parent, stays alive: only the closed socket can stop the worker here.
        var worker = await RawWorker.StartAsync();
        await worker.SendAsync(f => f.WriteJob(1, new FibParameters(FibParameters.MaxN)));
        await worker.SendAsync(f => f.WriteJob(2, new FibParameters(FibParameters.MaxN))); // about 10 s of work queued
        await Task.Delay(200);
        Assert.False(worker.Process.HasExited);

        var closed = Stopwatch.StartNew();
        await worker.Connection.DisposeAsync();
        bool exited = await worker.Process.Exited.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(t => t.IsCompletedSuccessfully);

        Assert.True(exited, "the worker kept computing after its coordinator closed the socket");
        Assert.Equal(0, worker.Process.ExitCode);
        Assert.True(closed.Elapsed < TimeSpan.FromSeconds(2));
        await worker.DisposeAsync();
    }

    [Fact]
    public async Task ClosingTheSocket_WithFramesQueued_DropsThem_AndEndsTheWorker()
    {
        var worker = await RawWorker.StartAsync();
        for (ulong id = 1; id <= 50; id++)
        {
            await worker.SendAsync(f => f.WriteJob(id, new FibParameters(30)));
        }
        await worker.Connection.DisposeAsync();
        await worker.Process.Exited.DefaultTimeout();
        Assert.Equal(0, worker.Process.ExitCode);
        await worker.DisposeAsync();
    }

    [Theory]
    [InlineData(Hex + "\n", 3)] // accepted: the worker goes on to connect, and the socket does not exist
    [InlineData(Hex + "\r\n", 3)]
    [InlineData(Hex, 3)] // the end of input stands for the LF
    [InlineData("00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n", 3)] // either case
    [InlineData(" " + Hex + "\n", 2)] // no spaces
    [InlineData(Hex + " \n", 2)]
    [InlineData("0" + Hex + "\n", 2)] // 65 digits
    [InlineData("1122334455667788", 2)]
    [InlineData("\n" + Hex + "\n", 2)] // the first line is empty
    [InlineData("zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 2)]
    [InlineData("", 2)]
    public async Task SecretLine_HasOneExactFormat(string input, int expectedExit)
    {
        using var worker = StartWorker();
        await worker.StandardInput.WriteAsync(input);
        worker.StandardInput.Close();

        await worker.WaitForExitAsync(TestHelpers.TimeoutToken());

        string errors = await worker.StandardError.ReadToEndAsync();
        Assert.True(expectedExit == worker.ExitCode, $"exit {worker.ExitCode}: {errors}");
        if (expectedExit == 2)
        {
            Assert.Contains("secret", errors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SecretLine_ThatNeverComes_EndsTheWorkerAtItsDeadline()
    {
        using var worker = StartWorker(connectTimeoutMs: 300);
        await worker.StandardInput.WriteAsync(Hex[..10]); // part of a line, and the pipe stays open

        await worker.WaitForExitAsync(TestHelpers.TimeoutToken());

        Assert.Equal(2, worker.ExitCode);
        Assert.Contains("within 300 ms", await worker.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretLine_ThatNeverEnds_IsRefusedAfterItsLimit_WithoutReadingItAll()
    {
        using var worker = StartWorker();
        var flood = new string('a', 1 << 20);
        var writing = worker.StandardInput.WriteAsync(flood).ContinueWith(_ => { }, TaskScheduler.Default); // the worker stops reading

        await worker.WaitForExitAsync(TestHelpers.TimeoutToken());

        Assert.Equal(2, worker.ExitCode);
        Assert.Contains("longer than", await worker.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
        await writing;
    }

    private static Process StartWorker(int connectTimeoutMs = 200)
    {
        string path = WorkerLocator.Find(null, out _) ?? throw new InvalidOperationException("processfarm-worker not built");
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add("--pipe");
        info.ArgumentList.Add($"/nonexistent/processfarm-{Guid.NewGuid():N}.sock");
        info.ArgumentList.Add("--id");
        info.ArgumentList.Add("0");
        info.ArgumentList.Add("--connect-timeout-ms");
        info.ArgumentList.Add(connectTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(info)!;
    }
}
