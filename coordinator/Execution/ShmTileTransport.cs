using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// The shm mode: the image lives in a <see cref="SharedRegion"/> every worker maps, in two halves (the decoded
/// source and the output), and a tile job is only a descriptor, sent through the worker's frame channel.
/// Workers read the source half and write the output half, so a tile whose worker died half-way is simply run
/// again; the LUT is a transform, not a copy, so this costs no copies.
/// </summary>
internal sealed class ShmTileTransport(string shmDirectory) : ITileTransport
{
    private SharedRegion? _region;
    private PixelBuffer? _output;
    private long _outputOffset;
    private int _version;

    public ExecutionMode Mode => ExecutionMode.Shm;

    public int PixelCopies => 0;

    public int PreparationVersion => Volatile.Read(ref _version);

    /// <summary>
    /// Replaces the region with one for <paramref name="geometry"/>; workers map it before their next tile. The
    /// buffers returned for the previous region are invalid from then on.
    /// </summary>
    /// <exception cref="SharedMemoryException">The directory is missing or too small.</exception>
    public PixelBuffer CreateImage(ImageGeometry geometry)
    {
        geometry.Validate();
        long outputOffset = (geometry.ByteLength + 4095) / 4096 * 4096;
        // The new region first: if it cannot be made (a full --shm-dir), the current one stays usable.
        var region = SharedRegion.Create(shmDirectory, outputOffset + geometry.ByteLength);
        _output?.Dispose();
        _region?.Dispose();
        _region = region;
        _outputOffset = outputOffset;
        Interlocked.Increment(ref _version);
        unsafe
        {
            _output = PixelBuffer.Wrap(region.Data + outputOffset, geometry);
            return PixelBuffer.Wrap(region.Data, geometry);
        }
    }

    public PixelBuffer ResultOf(PixelBuffer image) => _output ?? image;

    public Func<WorkerConnection, CancellationToken, Task>? CreatePreparation(WorkerSupervisor supervisor) =>
        (worker, cancellationToken) => AttachJob.AttachAsync(
            supervisor,
            worker,
            _region ?? throw new InvalidOperationException("CreateImage must allocate the region before a shm run"),
            shmDirectory,
            cancellationToken);

    public WorkerJob CreateJob(TileBatch batch, PixelBuffer image, Tile tile) => new ShmTileJob(batch, tile, _outputOffset);

    public void Dispose()
    {
        _output?.Dispose();
        _region?.Dispose();
    }

    /// <summary>A descriptor: where the tile is in the source half and where its result goes in the output half.</summary>
    private sealed class ShmTileJob(TileBatch batch, Tile tile, long outputOffset) : TileJob(batch, tile)
    {
        public override bool ViaChannel => true;

        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            frames.WriteJob(id, Batch.LutRegion(Tile, outputOffset + Tile.ByteOffset));
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result) => Batch.AddReply(AssignedTimestamp, result.Timings);
    }
}
