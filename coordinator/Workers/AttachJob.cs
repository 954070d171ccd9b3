using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Maps a shared region into one worker: an Attach request, pinned to that worker.</summary>
internal sealed class AttachJob : WorkerJob
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _path;
    private readonly long _bytes;

    private AttachJob(SharedRegion region)
        : base(null)
    {
        // Read now: the region may be replaced (and disposed) while this job waits to be written.
        _path = region.AttachPath;
        _bytes = region.TotalBytes;
    }

    public override bool Pinned => true;

    /// <summary>
    /// Opens <paramref name="worker"/>'s frame channel (in <paramref name="channelDirectory"/>) if it has none, then
    /// has it map <paramref name="region"/>.
    /// </summary>
    /// <exception cref="JobFailedException">The worker cannot map the region (it answered with an Error).</exception>
    /// <exception cref="WorkerFailedException">The worker died or refused the channel.</exception>
    /// <exception cref="SharedMemoryException">The channel's file cannot be created.</exception>
    public static async Task AttachAsync(WorkerSupervisor supervisor, WorkerConnection worker, SharedRegion region, string channelDirectory, CancellationToken cancellationToken)
    {
        await worker.OpenChannelAsync(channelDirectory, cancellationToken).ConfigureAwait(false);
        var job = new AttachJob(region);
        await supervisor.SendToAsync(worker, job).ConfigureAwait(false);
        await job._done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
    {
        frames.WriteAttach(new AttachRequest(id, _path, _bytes));
        return ReadOnlyMemory<byte>.Empty;
    }

    public override void OnResult(WorkerConnection worker, in JobResult result) => _done.TrySetResult();

    public override void OnError(WorkerConnection worker, ErrorMessage error) =>
        _done.TrySetException(new JobFailedException($"it cannot map the shared region: {error.Code}: {error.Message}", error.Code));

    public override void OnFailed(Exception reason) => _done.TrySetException(reason);
}
