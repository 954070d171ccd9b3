using System.Diagnostics;
using System.Threading.Channels;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// The cluster mode's second tile transport, <c>--transport rpc</c>: the same tiles as the frames transport, sent as
/// Orleans grain calls (<see cref="INodeGrain.ApplyLutAsync"/>) to the node silos themselves instead of as bin frames
/// to worker processes over the coordinator's TCP listener. It exists to measure what the engine's message path costs
/// for bulk bytes (docs/RESULTS.md, "Cluster transports"); frames stay the default.
/// </summary>
/// <remarks>
/// <para>
/// It is an engine of its own rather than an <see cref="ITileTransport"/> beside pipe and shm: those hand jobs to a
/// <see cref="WorkerSupervisor"/>'s worker processes as frames, and here there is no worker process at all. Each
/// node gets as many lanes as the frames transport would start workers there (its slots, or <c>--workers</c> per
/// node), and each lane keeps <c>--inflight</c> calls outstanding, so both transports cut the image the same way.
/// The node grain is not reentrant: its calls queue on the node and run one at a time (the kernel is a small part
/// of a call).
/// </para>
/// <para>
/// A tile larger than <see cref="MaxCallBytes"/> is cut into several calls at pixel boundaries, so no message comes
/// near Orleans' 100 MB limit. A call that fails (its node died, or it timed out after <c>--job-timeout-ms</c>)
/// ends its lane, and the piece goes to another lane, up to <c>--max-job-attempts</c> times.
/// </para>
/// </remarks>
internal sealed class RpcTileEngine : IExecutionEngine
{
    /// <summary>The most pixel bytes one call carries (cut at a pixel boundary below it).</summary>
    public const int MaxCallBytes = 4 << 20;

    private readonly ClusterFarm _farm;
    private readonly int? _workersPerNode;
    private readonly SupervisorOptions _options;

    /// <param name="farm">The nodes.</param>
    /// <param name="workersPerNode">Lanes per node (null: each node's slots), as the frames transport's workers per node.</param>
    /// <param name="options">In flight per lane, the per-call deadline and the attempts per piece.</param>
    public RpcTileEngine(ClusterFarm farm, int? workersPerNode, SupervisorOptions options)
    {
        ArgumentNullException.ThrowIfNull(farm);
        options.Validate();
        _farm = farm;
        _workersPerNode = workersPerNode;
        _options = options;
        Workers = Math.Max(1, farm.Capacity(workersPerNode));
    }

    public ExecutionMode Mode => ExecutionMode.Cluster;

    /// <summary>Lanes: what the frames transport would start as worker processes on the same nodes.</summary>
    public int Workers { get; }

    /// <summary>
    /// Into the argument array, Orleans' serializer into its message buffer, the send and receive copies of the
    /// socket, the node's deserializer into a new array; the same four on the way back, and back into the image = 10.
    /// The kernel works in place on the node's copy.
    /// </summary>
    public int PixelCopies => 10;

    public SupervisorStats? WorkerStats => null;

    public double WorkerStartMs => 0;

    /// <summary>Nothing to start: the farm has its nodes, and the grains activate on the first call.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public PixelBuffer CreateImage(ImageGeometry geometry)
    {
        geometry.Validate();
        return PixelBuffer.Allocate(geometry);
    }

    public PixelBuffer ResultOf(PixelBuffer image) => image;

    /// <exception cref="WorkerFailedException">No node is live, or a piece failed on every attempt.</exception>
    public async Task<EngineRunStats> RunAsync(PixelBuffer image, TileLayout layout, LutParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(layout);
        var nodes = _farm.LiveNodes;
        if (nodes.Count == 0)
        {
            throw new WorkerFailedException("no live cluster node to send tiles to");
        }
        var run = new RpcRun(image, parameters, _options.MaxJobAttempts, _options.JobTimeout, Pieces(layout), cancellationToken);
        var laneNodes = nodes.SelectMany(n => Enumerable.Repeat(n, ClusterFarm.WorkersFor(n.Status.Slots, _workersPerNode) * _options.InFlight)).ToList();
        run.SetLanes(laneNodes.Count); // before the first lane starts: the last one to end is the one that sees 0
        var lanes = laneNodes.Select(run.LaneAsync).ToList();
        // Every lane ends before this returns or throws, so none touches the image after its owner disposed it.
        await Task.WhenAll(lanes).ConfigureAwait(false);
        run.ThrowIfUnfinished();
        return run.Stats(layout.Count);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Each tile's bytes in calls of at most <see cref="MaxCallBytes"/>, cut at pixel boundaries.</summary>
    private static List<RpcPiece> Pieces(TileLayout layout)
    {
        int pixelBytes = layout.Geometry.PixelBytes;
        int most = Math.Max(pixelBytes, MaxCallBytes / pixelBytes * pixelBytes);
        var pieces = new List<RpcPiece>(layout.Count);
        for (int i = 0; i < layout.Count; i++)
        {
            var tile = layout[i];
            for (int start = 0; start < tile.ByteLength; start += most)
            {
                pieces.Add(new RpcPiece(tile, start, Math.Min(most, tile.ByteLength - start)));
            }
        }
        return pieces;
    }

    /// <summary>Part of one tile, sent as one call.</summary>
    private sealed class RpcPiece(Tile tile, int start, int length)
    {
        public Tile Tile => tile;

        /// <summary>Offset of the piece in its tile's bytes.</summary>
        public int Start => start;

        public int Length => length;

        /// <summary>Calls of this piece that failed.</summary>
        public int Failures;
    }

    /// <summary>One <see cref="RunAsync"/>: the pieces still to do, the lanes taking them, and the figures.</summary>
    private sealed class RpcRun
    {
        private readonly PixelBuffer _image;
        private readonly LutParameters _parameters;
        private readonly int _maxAttempts;
        private readonly TimeSpan _callTimeout;
        private readonly Channel<RpcPiece> _pending = Channel.CreateUnbounded<RpcPiece>();
        private readonly HashSet<ClusterNode> _failedNodes = [];
        private readonly CancellationToken _cancellationToken;
        private Exception? _failure;
        private int _remaining;
        private int _lanes;
        private int _retried;
        private long _copyInTicks;
        private long _copyOutTicks;
        private long _kernelNs;
        private long _transferNs;

        public RpcRun(PixelBuffer image, LutParameters parameters, int maxAttempts, TimeSpan callTimeout, List<RpcPiece> pieces, CancellationToken cancellationToken)
        {
            _image = image;
            _parameters = parameters;
            _maxAttempts = maxAttempts;
            _callTimeout = callTimeout;
            _cancellationToken = cancellationToken;
            _remaining = pieces.Count;
            foreach (var piece in pieces)
            {
                _pending.Writer.TryWrite(piece);
            }
            if (pieces.Count == 0)
            {
                _pending.Writer.TryComplete();
            }
        }

        /// <summary>Set before any lane starts: the count the last lane to end brings to 0.</summary>
        public void SetLanes(int count) => Volatile.Write(ref _lanes, count);

        /// <summary>Takes pieces and calls <paramref name="node"/> with them until none is left, or a call to it fails.</summary>
        public async Task LaneAsync(ClusterNode node)
        {
            try
            {
                await foreach (var piece in _pending.Reader.ReadAllAsync(_cancellationToken).ConfigureAwait(false))
                {
                    if (!await CallAsync(node, piece).ConfigureAwait(false))
                    {
                        return; // this node failed a call: its lane ends, the others carry on
                    }
                }
            }
            finally
            {
                if (Interlocked.Decrement(ref _lanes) == 0 && Volatile.Read(ref _remaining) > 0)
                {
                    Fail(new WorkerFailedException("every cluster node failed its rpc calls"));
                }
            }
        }

        /// <summary>One call; false when it failed (the piece is queued again, or fails the run after its last attempt).</summary>
        private async Task<bool> CallAsync(ClusterNode node, RpcPiece piece)
        {
            bool suspect;
            lock (_failedNodes)
            {
                suspect = node.Gone || _failedNodes.Contains(node);
            }
            if (suspect)
            {
                _pending.Writer.TryWrite(piece); // not this piece's failure: another lane takes it
                return false;
            }
            long copyStarted = Stopwatch.GetTimestamp();
            byte[] pixels = CopyIn(piece);
            long sent = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _copyInTicks, sent - copyStarted);
            RpcTileResult result;
            try
            {
                var call = node.Grain.ApplyLutAsync(new RpcTile(_parameters.Ev, _parameters.Gamma, _image.Geometry.Channels, _image.Geometry.Bits, pixels));
                result = await call.WaitAsync(_callTimeout, _cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!_cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                Failed(node, piece, e);
                return false;
            }
            long roundTripNs = (long)Stopwatch.GetElapsedTime(sent).TotalNanoseconds;
            if (result.Pixels.Length != piece.Length)
            {
                Fail(new WorkerFailedException($"node {node.Status.Name} returned {result.Pixels.Length} bytes for a {piece.Length}-byte piece of a tile"));
                return false;
            }
            long backStarted = Stopwatch.GetTimestamp();
            CopyOut(piece, result.Pixels);
            Interlocked.Add(ref _copyOutTicks, Stopwatch.GetTimestamp() - backStarted);
            Interlocked.Add(ref _kernelNs, result.KernelNs);
            Interlocked.Add(ref _transferNs, Math.Max(0, roundTripNs - result.KernelNs));
            Interlocked.Increment(ref node.JobsDone);
            Interlocked.Add(ref node.BytesMoved, 2L * piece.Length); // the pixels there and back; Orleans' headers are not counted
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _pending.Writer.TryComplete();
            }
            return true;
        }

        private void Failed(ClusterNode node, RpcPiece piece, Exception error)
        {
            lock (_failedNodes)
            {
                _failedNodes.Add(node);
            }
            if (++piece.Failures >= _maxAttempts)
            {
                Fail(new WorkerFailedException(
                    $"the tile of rows {piece.Tile.FirstRow}-{piece.Tile.FirstRow + piece.Tile.RowCount - 1} failed {piece.Failures} rpc calls, the last on node {node.Status.Name}: {error.Message}", error));
                return;
            }
            Interlocked.Increment(ref _retried);
            _pending.Writer.TryWrite(piece);
        }

        /// <summary>Ends the run with <paramref name="error"/>: the lanes stop taking pieces.</summary>
        private void Fail(Exception error)
        {
            Interlocked.CompareExchange(ref _failure, error, null);
            _pending.Writer.TryComplete(error);
        }

        /// <summary>Throws why the run failed, once every lane has ended.</summary>
        /// <exception cref="WorkerFailedException">A piece failed, or no lane was left to take the rest.</exception>
        public void ThrowIfUnfinished()
        {
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw failure;
            }
            if (Volatile.Read(ref _remaining) > 0)
            {
                throw new WorkerFailedException("the rpc lanes ended with pieces of tiles left");
            }
        }

        /// <summary>The piece's pixels into a new array, the call's argument (copy 1).</summary>
        private byte[] CopyIn(RpcPiece piece)
        {
            byte[] pixels = GC.AllocateUninitializedArray<byte>(piece.Length);
            _image.Rows(piece.Tile.FirstRow, piece.Tile.RowCount).Slice(piece.Start, piece.Length).CopyTo(pixels);
            return pixels;
        }

        /// <summary>The result back into the image (the last copy).</summary>
        private void CopyOut(RpcPiece piece, byte[] pixels) =>
            pixels.CopyTo(_image.Rows(piece.Tile.FirstRow, piece.Tile.RowCount).Slice(piece.Start, piece.Length));

        public EngineRunStats Stats(int tiles) => new(
            tiles,
            KernelMs: _kernelNs / 1e6,
            SerializeMs: Stopwatch.GetElapsedTime(0, _copyInTicks).TotalMilliseconds,
            DeserializeMs: Stopwatch.GetElapsedTime(0, _copyOutTicks).TotalMilliseconds,
            WorkerTotalMs: _kernelNs / 1e6,
            TransferMs: _transferNs / 1e6,
            TilesRetried: _retried);
    }
}
