using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Shared.Protocol;
using Xunit;
using static ProcessFarm.Tests.Integration.SocketFrames;

namespace ProcessFarm.Tests.Cluster;

/// <summary>Who may connect over TCP: only a Hello that proves a pending worker's secret over this connection's challenge.</summary>
public sealed partial class ClusterListenerTests : IAsyncDisposable
{
    private static readonly byte[] s_secret = [.. Enumerable.Range(1, ProtocolLimits.SecretBytes).Select(i => (byte)i)];
    private readonly ClusterListener _listener = ClusterListener.Start(IPAddress.Loopback, 0, NullLogger.Instance, TimeSpan.FromSeconds(5));

    public async ValueTask DisposeAsync() => await _listener.DisposeAsync();

    [Fact]
    public async Task ClientWithoutTheSecret_IsRefused()
    {
        var pending = Expect(workerId: 3, processId: 77);
        using var client = await ConnectAsync();
        byte[] challenge = FrameReader.ReadChallenge(await ReadFrameAsync(client));

        await SendHelloAsync(client, new byte[ProtocolLimits.SecretBytes], challenge, 3, 77);

        var refusal = FrameReader.ReadError(await ReadFrameAsync(client));
        Assert.Equal(ErrorCode.BadSecret, refusal.Code);
        Assert.False(pending.Connection.Task.IsCompleted);
        Assert.Equal(1, _listener.Refused);
    }

    [Fact]
    public async Task ReplayedHello_IsRefused_WhileTheRealOneIsLetIn()
    {
        var pending = Expect(workerId: 5, processId: 88);
        using var eavesdropped = await ConnectAsync();
        byte[] seen = FrameReader.ReadChallenge(await ReadFrameAsync(eavesdropped));
        byte[] nonce = new byte[ProtocolLimits.NonceBytes];
        byte[] recorded = HandshakeProof.Hello(s_secret, seen, nonce, 5, 88);

        // The recorded Hello, replayed on a connection of its own: that connection's challenge is another.
        using var replay = await ConnectAsync();
        _ = FrameReader.ReadChallenge(await ReadFrameAsync(replay));
        await SendAsync(replay, f => f.WriteHello(new HelloMessage(ProtocolLimits.Version, 5, 88, recorded, "none", nonce)));
        Assert.Equal(ErrorCode.BadSecret, FrameReader.ReadError(await ReadFrameAsync(replay)).Code);

        // The original connection, answering its own challenge, is the worker.
        await SendAsync(eavesdropped, f => f.WriteHello(new HelloMessage(ProtocolLimits.Version, 5, 88, recorded, "none", nonce)));
        await using var connection = await pending.Connection.Task.DefaultTimeout();
        Assert.Equal(5u, connection.WorkerId);
    }

    [Fact]
    public async Task HelloFromAnotherProcessThanTheNodeStarted_IsRefused()
    {
        Expect(workerId: 2, processId: 100);
        using var client = await ConnectAsync();
        byte[] challenge = FrameReader.ReadChallenge(await ReadFrameAsync(client));

        await SendHelloAsync(client, s_secret, challenge, 2, 101);

        Assert.Equal(ErrorCode.BadSecret, FrameReader.ReadError(await ReadFrameAsync(client)).Code);
    }

    [Fact]
    public async Task FirstFrameDeclaringAGigabyte_IsRefusedBeforeAnythingIsBuffered()
    {
        // Arrange: a listener that would wait an hour for the Hello, so only the size check can close the connection
        // before the test's own deadline.
        await using var patient = ClusterListener.Start(IPAddress.Loopback, 0, NullLogger.Instance, TimeSpan.FromHours(1));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPEndPoint.Parse(patient.Endpoint)).DefaultTimeout();
        _ = FrameReader.ReadChallenge(await ReadFrameAsync(client));

        // Act: a header declaring 1 GiB (the protocol's frame limit, fine after the handshake) and nothing else.
        byte[] header = new byte[ProtocolLimits.FrameHeaderSize];
        BinaryPrimitives.WriteUInt32BigEndian(header, 1u << 30);
        await client.SendAsync(header.AsMemory()).AsTask().DefaultTimeout();

        // Assert: the connection is closed without waiting for the gigabyte or the hello deadline.
        Assert.Equal(0, await ReadToEndAsync(client));
        Assert.True(await WaitForAsync(() => patient.Refused == 1), "the refusal was not counted");
    }

    [Fact]
    public async Task ConnectionFlood_IsTurnedAwayAtTheDoor_AndAProvenWorkerStillGetsIn()
    {
        // Arrange: as many silent connections as may handshake at once, each holding its slot until the deadline.
        var silent = new List<Socket>();
        try
        {
            for (int i = 0; i < ClusterListener.MaxHandshakes; i++)
            {
                var socket = await ConnectAsync();
                _ = FrameReader.ReadChallenge(await ReadFrameAsync(socket));
                silent.Add(socket);
            }

            // Act: one more, over the limit, is closed at once, with no challenge.
            using var extra = await ConnectAsync();
            Assert.Equal(0, await ReadToEndAsync(extra));

            // Assert: once the silent ones go, a worker that proves itself is let in.
            foreach (var socket in silent)
            {
                socket.Dispose();
            }
            silent.Clear();
            var pending = Expect(workerId: 9, processId: 99);
            Socket? worker = null;
            for (var attempt = 0; attempt < 100 && worker is null; attempt++)
            {
                // The listener notices the closed ones when their reads end: retry until a challenge comes.
                var candidate = await ConnectAsync();
                byte[] first = new byte[ProtocolLimits.FrameHeaderSize];
                if (await candidate.ReceiveAsync(first.AsMemory()).AsTask().DefaultTimeout() == 0)
                {
                    candidate.Dispose();
                    await Task.Delay(50);
                    continue;
                }
                worker = candidate;
                byte[] body = await ReceiveExactlyAsync(worker, BinaryPrimitives.ReadInt32BigEndian(first));
                await SendHelloAsync(worker, s_secret, FrameReader.ReadChallenge(new ReadOnlySequence<byte>(body)), 9, 99);
            }
            Assert.NotNull(worker);
            await using var connection = await pending.Connection.Task.DefaultTimeout();
            Assert.Equal(9u, connection.WorkerId);
            worker.Dispose();
        }
        finally
        {
            foreach (var socket in silent)
            {
                socket.Dispose();
            }
        }
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }
        return condition();
    }

    private static async Task<int> ReadToEndAsync(Socket socket)
    {
        byte[] buffer = new byte[256];
        int total = 0;
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().DefaultTimeout();
            }
            catch (SocketException)
            {
                return total; // reset: closed as well
            }
            if (read == 0)
            {
                return total;
            }
            total += read;
        }
    }

    private PendingWorker Expect(uint workerId, int processId)
    {
        var pending = _listener.Expect(workerId, s_secret);
        pending.ProcessId.SetResult(processId);
        return pending;
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(_listener.Endpoint)).DefaultTimeout();
        return socket;
    }

    private static Task SendHelloAsync(Socket socket, byte[] secret, byte[] challenge, uint workerId, int processId)
    {
        byte[] nonce = new byte[ProtocolLimits.NonceBytes];
        Random.Shared.NextBytes(nonce);
        byte[] proof = HandshakeProof.Hello(secret, challenge, nonce, workerId, processId);
        return SendAsync(socket, f => f.WriteHello(new HelloMessage(ProtocolLimits.Version, workerId, processId, proof, "none", nonce)));
    }
}
