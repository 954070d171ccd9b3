using ProcessFarm.Coordinator.Cli;
using ProcessFarm.Coordinator.Workers;
using Xunit;

namespace ProcessFarm.Tests.Cli;

public class LineLoggerTests
{
    [Fact]
    public void WorkerFaults_ArePrinted_UntilTheUserInterrupts_ThenNot()
    {
        using var writer = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var log = LineLogger.For(writer, verbose: false, interrupt.Token);

        log.WorkerFailed(1, "failed", "disconnected", jobsRequeued: 0);
        interrupt.Cancel();
        log.WorkerFailed(2, "failed", "disconnected", jobsRequeued: 1);
        log.WorkerOutput(2, "a line the worker wrote");

        Assert.Equal(["[worker 1] failed: disconnected"], writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Verbose_StillShowsEverything_AfterAnInterrupt()
    {
        using var writer = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var log = LineLogger.For(writer, verbose: true, interrupt.Token);

        interrupt.Cancel();
        log.WorkerDisconnected(3, "end of stream");
        log.WorkerFailed(3, "failed", "disconnected", jobsRequeued: 0);

        Assert.Equal(2, writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
