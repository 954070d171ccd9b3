using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Benchmarks;

/// <summary>A job whose frame a delegate writes; its completion says the reply came (and hands it over).</summary>
internal sealed class FrameJob(Func<FrameWriter, ulong, ReadOnlyMemory<byte>> write, Action<JobResult>? onResult = null) : WorkerJob(null)
{
    private TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A fresh completion for the next round trip of this job object.</summary>
    public Task Reset()
    {
        _answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _answered.Task;
    }

    public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id) => write(frames, id);

    public override void OnResult(WorkerConnection worker, in JobResult result)
    {
        onResult?.Invoke(result);
        _answered.TrySetResult();
    }

    public override void OnError(WorkerConnection worker, ErrorMessage error) => _answered.TrySetException(new InvalidOperationException(error.Message));

    public override void OnFailed(Exception reason) => _answered.TrySetException(reason);
}
