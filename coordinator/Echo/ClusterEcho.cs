using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ProcessFarm.Coordinator.Cluster;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>
/// The rows that stand beside cluster's frames in <c>echo --mode cluster</c>, over the same link to the same nodes:
/// <c>rpc</c> sends the same bytes as Orleans grain calls (<see cref="INodeGrain.EchoAsync"/>), <c>tcp</c> sends them
/// through bare sockets to each node's <see cref="RawEcho"/> (no framing, no serialization, no worker: the link's
/// ceiling). Both carry bytes payloads only: a complex payload is the frames' structured case, and the node has no
/// grain method for it, so those rows are left out rather than faked.
/// </summary>
/// <param name="nodes">The live nodes; calls and connections go to them in turn.</param>
/// <param name="workers">The cluster row's worker count: tcp opens as many connections, one per worker's share.</param>
/// <param name="inFlight">Jobs each worker may hold (--inflight): rpc keeps workers x this many calls outstanding.</param>
internal sealed class ClusterEcho(IReadOnlyList<ClusterNode> nodes, int workers, int inFlight)
{
    /// <summary>
    /// Bytes per rpc grain call: the frames' 1 MiB. Orleans refuses a message over its limit (100 MB by default)
    /// only by timing the call out, so rpc never sends a payload whole: every size is chunked, and none is refused.
    /// </summary>
    public const int RpcChunkBytes = EchoRunner.ChunkBytes;

    /// <summary>How long one round trip of tcp, or one connection set-up, may take before the run fails.</summary>
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs the <paramref name="row"/> row (rpc or tcp, or their latency) and turns a node that died or stopped
    /// answering under it into one line for the user (exit 4) instead of an internal error: those rows go to the nodes
    /// that were live when the run began, and a benchmark does not move them elsewhere.
    /// </summary>
    /// <exception cref="ClusterException">A node's call, connection or deadline failed.</exception>
    public static async Task<T> RowAsync<T>(string row, Func<Task<T>> measure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(measure);
        try
        {
            return await measure().ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested &&
            e is Orleans.Runtime.OrleansException or SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            string why = e.Message.Split('\n', 2)[0].TrimEnd('.', ' ');
            throw new ClusterException($"echo's {row} row failed: a cluster node left or stopped answering ({why}); start the nodes again and rerun", e);
        }
    }

    /// <summary>The rpc row: each worker's share of the bytes as 1 MiB grain calls, workers x inflight outstanding.</summary>
    /// <remarks>
    /// A grain argument must be a <c>byte[]</c> of its own, so the payload is cut into arrays once, before the timed
    /// round trips (as shm writes its region once); the round trip is the calls alone. Orleans serializes inside
    /// the call, so there is no serialize / transfer / deserialize split to report.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A call came back with other bytes.</exception>
    public async Task<EchoMeasurement> MeasureRpcAsync(EchoPayload payload, int repeat, CancellationToken cancellationToken)
    {
        byte[] bytes = payload.Bytes ?? throw new ArgumentException("rpc carries bytes payloads only", nameof(payload));
        byte[][] chunks = [.. Enumerable.Range(0, (int)((bytes.LongLength + RpcChunkBytes - 1) / RpcChunkBytes))
            .Select(i => bytes.AsSpan(i * RpcChunkBytes, Math.Min(RpcChunkBytes, bytes.Length - (i * RpcChunkBytes))).ToArray())];
        var back = new byte[chunks.Length][];
        int lanes = Math.Max(1, workers * inFlight);
        double[] samples = new double[repeat];
        for (int r = -EchoRunner.WarmUpRounds; r < repeat; r++)
        {
            int next = -1;
            long started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, Math.Min(lanes, chunks.Length)).Select(async _ =>
            {
                for (int i = Interlocked.Increment(ref next); i < chunks.Length; i = Interlocked.Increment(ref next))
                {
                    // Orleans' own response timeout (FarmSilo) bounds each call.
                    back[i] = await nodes[i % nodes.Count].Grain.EchoAsync(chunks[i]).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
            if (r >= 0)
            {
                samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            for (int i = 0; i < chunks.Length; i++)
            {
                if (!chunks[i].AsSpan().SequenceEqual(back[i]))
                {
                    throw new InvalidOperationException($"rpc echo call {i} came back changed");
                }
            }
        }
        return new EchoMeasurement("rpc", payload.Kind, payload.DataBytes, payload.ItemCount, samples);
    }

    /// <summary>
    /// The tcp row: one bare connection per cluster worker, each to a node's <see cref="RawEcho"/>, carrying that
    /// worker's share of the bytes there and back (sending and receiving at once), with nothing else in the way.
    /// </summary>
    /// <exception cref="IOException">A connection closed early or a round trip missed its deadline.</exception>
    public async Task<EchoMeasurement> MeasureTcpAsync(EchoPayload payload, int repeat, CancellationToken cancellationToken)
    {
        byte[] bytes = payload.Bytes ?? throw new ArgumentException("tcp carries bytes payloads only", nameof(payload));
        byte[] back = new byte[bytes.Length];
        int connections = Math.Max(1, Math.Min(workers, bytes.Length));
        var shares = Enumerable.Range(0, connections).Select(i => (Start: (int)((long)bytes.Length * i / connections), End: (int)((long)bytes.Length * (i + 1) / connections))).ToArray();
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < connections; i++)
            {
                long total = (long)(shares[i].End - shares[i].Start) * (repeat + EchoRunner.WarmUpRounds);
                sockets.Add(await ConnectRawAsync(nodes[i % nodes.Count], total, cancellationToken).ConfigureAwait(false));
            }
            double[] samples = new double[repeat];
            for (int r = -EchoRunner.WarmUpRounds; r < repeat; r++)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(s_deadline);
                long started = Stopwatch.GetTimestamp();
                await Task.WhenAll(shares.Select((share, i) => EchoAsync(sockets[i], bytes.AsMemory(share.Start..share.End), back.AsMemory(share.Start..share.End), deadline.Token))).ConfigureAwait(false);
                if (r >= 0)
                {
                    samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
                }
            }
            if (!bytes.AsSpan().SequenceEqual(back))
            {
                throw new InvalidOperationException("the tcp echo came back changed");
            }
            return new EchoMeasurement("tcp", payload.Kind, payload.DataBytes, payload.ItemCount, samples);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Round trips of <paramref name="payloadBytes"/> as one grain call each, to the first node.</summary>
    public async Task<LatencyMeasurement> MeasureRpcLatencyAsync(int payloadBytes, int roundTrips, CancellationToken cancellationToken)
    {
        byte[] small = new byte[payloadBytes];
        var grain = nodes[0].Grain;
        double[] samples = new double[roundTrips];
        for (int i = -roundTrips / 10; i < roundTrips; i++)
        {
            long started = Stopwatch.GetTimestamp();
            await grain.EchoAsync(small).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }
        return EchoRunner.Percentiles("rpc", payloadBytes, samples);
    }

    /// <summary>Round trips of <paramref name="payloadBytes"/> through one bare socket to the first node's raw echo.</summary>
    /// <remarks>
    /// This side uses blocking calls on a thread of its own, as the workers do (README, "How the process modes
    /// wait"): with async sockets each round trip paid for the event loop's hand-offs, and the bare socket came
    /// out slower than the frames it is meant to bound. The node's raw echo is async (it overlaps both directions).
    /// </remarks>
    public async Task<LatencyMeasurement> MeasureTcpLatencyAsync(int payloadBytes, int roundTrips, CancellationToken cancellationToken)
    {
        int warmUp = roundTrips / 10;
        using var socket = await ConnectRawAsync(nodes[0], (long)payloadBytes * (roundTrips + warmUp), cancellationToken).ConfigureAwait(false);
        socket.ReceiveTimeout = socket.SendTimeout = (int)s_deadline.TotalMilliseconds; // the blocking calls' deadline
        double[] samples = await Task.Factory.StartNew(() =>
        {
            byte[] small = new byte[payloadBytes], answer = new byte[payloadBytes];
            double[] measured = new double[roundTrips];
            for (int i = -warmUp; i < roundTrips; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long started = Stopwatch.GetTimestamp();
                socket.Send(small);
                for (int got = 0; got < answer.Length;)
                {
                    int read = socket.Receive(answer, got, answer.Length - got, SocketFlags.None);
                    got += read > 0 ? read : throw new IOException(string.Create(CultureInfo.InvariantCulture, $"the raw echo closed after {got} of {answer.Length} bytes"));
                }
                if (i >= 0)
                {
                    measured[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                }
            }
            return measured;
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        return EchoRunner.Percentiles("tcp", payloadBytes, samples);
    }

    /// <summary>
    /// What was measured, for the report: "loopback 127.0.0.1 -> node NAME at 127.0.0.1" per node, or "network"
    /// when either end's address is not a loopback one.
    /// </summary>
    public static string DescribeLink(string coordinatorEndpoint, IReadOnlyList<ClusterNode> nodes)
    {
        string from = IPEndPoint.TryParse(coordinatorEndpoint, out var endpoint) ? endpoint.Address.ToString() : coordinatorEndpoint;
        return string.Join("; ", nodes.Select(n =>
        {
            bool loopback = IPAddress.TryParse(from, out var a) && IPAddress.IsLoopback(a) && IPAddress.TryParse(n.Status.Address, out var b) && IPAddress.IsLoopback(b);
            return string.Create(CultureInfo.InvariantCulture, $"{(loopback ? "loopback" : "network")} {from} -> node {n.Status.Name} at {n.Status.Address}");
        }));
    }

    private static async Task<Socket> ConnectRawAsync(ClusterNode node, long totalBytes, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_deadline);
        int port = await node.Grain.OpenRawEchoAsync(totalBytes).WaitAsync(deadline.Token).ConfigureAwait(false);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(node.Status.Address), port, deadline.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="sent"/> and, at the same time, reads as many bytes back into <paramref name="received"/>.</summary>
    private static async Task EchoAsync(Socket socket, ReadOnlyMemory<byte> sent, Memory<byte> received, CancellationToken cancellationToken)
    {
        var sending = socket.SendAsync(sent, SocketFlags.None, cancellationToken).AsTask();
        int got = 0;
        while (got < received.Length)
        {
            int read = await socket.ReceiveAsync(received[got..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"the raw echo closed after {got} of {received.Length} bytes"));
            }
            got += read;
        }
        await sending.ConfigureAwait(false);
    }
}
