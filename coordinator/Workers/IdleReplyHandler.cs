using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>The handler between runs: nothing is outstanding, so any reply is unexpected and only logged.</summary>
internal sealed class IdleReplyHandler(CoordinatorLog log) : IReplyHandler
{
    public void OnResult(WorkerConnection worker, in JobResult result) =>
        log.WorkerOutput(worker.WorkerId, $"unexpected result for job {result.Id} between runs");

    public void OnError(WorkerConnection worker, ErrorMessage error) =>
        log.WorkerOutput(worker.WorkerId, $"error between runs: {error.Code}: {error.Message}");

    public void OnDisconnected(WorkerConnection worker, Exception? error) =>
        log.WorkerDisconnected(worker.WorkerId, error?.Message ?? "end of stream");
}
