using System.Diagnostics;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// The pipe mode: each tile's pixels travel in its job frame as a MessagePack bin, and come back in the reply.
/// The image is ordinary memory; workers need no preparation.
/// </summary>
/// <remarks>The cluster mode is the same transport over TCP: <paramref name="mode"/> says which it reports.</remarks>
internal sealed class PipeTileTransport(ExecutionMode mode = ExecutionMode.Pipe) : ITileTransport
{
    public ExecutionMode Mode => mode;

    /// <summary>
    /// Into the frame, the send and receive copies of the socket (twice: there and back), back into the image = 6.
    /// The worker's LUT writes straight from its receive buffer into its reply and is not a copy.
    /// </summary>
    public int PixelCopies => 6;

    public int PreparationVersion => 0;

    public PixelBuffer CreateImage(ImageGeometry geometry)
    {
        geometry.Validate();
        return PixelBuffer.Allocate(geometry);
    }

    public PixelBuffer ResultOf(PixelBuffer image) => image;

    public Func<WorkerConnection, CancellationToken, Task>? CreatePreparation(WorkerSupervisor supervisor) => null;

    public WorkerJob CreateJob(TileBatch batch, PixelBuffer image, Tile tile) => new PipeTileJob(batch, image, tile);

    public void Dispose()
    {
    }

    private sealed class PipeTileJob(TileBatch batch, PixelBuffer image, Tile tile) : TileJob(batch, tile)
    {
        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            long started = Stopwatch.GetTimestamp();
            frames.WriteJob(id, Batch.LutTile(Tile), image.Rows(Tile.FirstRow, Tile.RowCount)); // copy 1: pixels into the frame
            Batch.AddSerialize(Stopwatch.GetTimestamp() - started);
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result)
        {
            if (result.Encoding != PayloadEncoding.Binary || result.Payload.Length != Tile.ByteLength)
            {
                throw new ProtocolException(ErrorCode.Malformed, $"it returned {result.Payload.Length} bytes for a {Tile.ByteLength}-byte tile");
            }
            long started = Stopwatch.GetTimestamp();
            var rows = image.Rows(Tile.FirstRow, Tile.RowCount);
            foreach (var segment in result.Payload)
            {
                segment.Span.CopyTo(rows); // the last copy: pixels back into the image
                rows = rows[segment.Length..];
            }
            Batch.AddDeserialize(Stopwatch.GetTimestamp() - started);
            Batch.AddReply(AssignedTimestamp, result.Timings);
        }
    }
}
