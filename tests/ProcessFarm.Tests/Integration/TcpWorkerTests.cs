using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Tests.Protocol;
using Xunit;
using static ProcessFarm.Tests.Integration.SocketFrames;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// The real worker over TCP (<c>--connect tcp://</c>) against docs/PROTOCOL.md: what each end of the handshake
/// refuses, with which exit code or Error code, that a refused worker sends nothing it should not, that it connects
/// once, and that its last replies before a Shutdown arrive in full.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class TcpWorkerTests : IDisposable
{
    private readonly byte[] _secret = [.. Enumerable.Range(0, ProtocolLimits.SecretBytes).Select(i => (byte)(i * 7))];
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public TcpWorkerTests() => _listener.Start();

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Worker_GivenAJobBeforeAnyChallenge_ExitsWithHandshakeRefused_WithoutAnswering()
    {
        using var worker = await StartWorkerAsync();
        using var socket = await _listener.AcceptSocketAsync(TestHelpers.TimeoutToken());

        await SendAsync(socket, f => f.WriteJob(1, new FibParameters(1)));

        Assert.Empty(await ReadToEndAsync(socket));
        await worker.Exited.DefaultTimeout();
        Assert.Equal(4, worker.ExitCode);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(33)]
    public async Task Worker_GivenAChallengeNotOf32Bytes_ExitsWithHandshakeRefused_WithoutAHello(int challengeBytes)
    {
        using var worker = await StartWorkerAsync();
        using var socket = await _listener.AcceptSocketAsync(TestHelpers.TimeoutToken());

        await SendAsync(socket, f => f.WriteChallenge(new byte[challengeBytes]));

        Assert.Empty(await ReadToEndAsync(socket));
        await worker.Exited.DefaultTimeout();
        Assert.Equal(4, worker.ExitCode);
    }

    [Fact]
    public async Task Worker_GivenAVersion2Welcome_ExitsWithHandshakeRefused()
    {
        using var worker = await StartWorkerAsync();
        using var socket = await _listener.AcceptSocketAsync(TestHelpers.TimeoutToken());
        byte[] challenge = new byte[ProtocolLimits.NonceBytes];
        Random.Shared.NextBytes(challenge);
        await SendAsync(socket, f => f.WriteChallenge(challenge));
        var hello = FrameReader.ReadHello(await ReadFrameAsync(socket));
        Assert.True(HandshakeProof.Matches(hello.Proof, HandshakeProof.Hello(_secret, challenge, hello.Nonce, 0, worker.ProcessId)));

        // [2, 3]: a version-2 Welcome carries no proof, so it proves nothing; a job pipelined behind it is not run.
        await SendAsync(socket, f =>
        {
            f.Output.Write<byte>([0, 0, 0, 2, 0x92, 0x02]);
            f.WriteJob(1, new FibParameters(1));
        });

        Assert.Empty(await ReadToEndAsync(socket));
        await worker.Exited.DefaultTimeout();
        Assert.Equal(4, worker.ExitCode);
    }

    [Fact]
    public async Task Worker_GivenAChallengeTrickledAByteASecond_GivesUpOnItAfterTheHandshakeTimeout()
    {
        // A peer that sends one byte of the Challenge a second never lets a single read wait 10 s, but the frame
        // takes ~40 s to arrive: docs/PROTOCOL.md's 10 s is for the frame, so the worker must give up on it.
        using var worker = await StartWorkerAsync();
        using var socket = await _listener.AcceptSocketAsync(TestHelpers.TimeoutToken());
        var buffer = new ArrayBufferWriter<byte>();
        new FrameWriter(buffer).WriteChallenge(new byte[ProtocolLimits.NonceBytes]);
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < buffer.WrittenCount && !stop.IsCancellationRequested; i++)
                {
                    await socket.SendAsync(buffer.WrittenMemory.Slice(i, 1), stop.Token);
                    await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // The worker hung up, or the test is over.
            }
        });

        // Deadline only: 10 s of handshake plus slack, well short of the ~40 s the trickle takes.
        bool exited = await Task.WhenAny(worker.Exited, Task.Delay(TimeSpan.FromSeconds(25))) == worker.Exited;
        await stop.CancelAsync();
        await trickle;

        Assert.True(exited, "the worker still waits for a Challenge trickled a byte at a time");
        Assert.Equal(4, worker.ExitCode);
    }

    [Fact]
    public async Task Worker_ShutdownBehindPipelinedJobs_EveryReplyArrivesBeforeTheConnectionCloses()
    {
        const int jobs = 8;
        const int payloadBytes = 256 * 1024;
        using var worker = await StartWorkerAsync();
        using var socket = await _listener.AcceptSocketAsync(TestHelpers.TimeoutToken());
        byte[] challenge = new byte[ProtocolLimits.NonceBytes];
        Random.Shared.NextBytes(challenge);
        await SendAsync(socket, f => f.WriteChallenge(challenge));
        var hello = FrameReader.ReadHello(await ReadFrameAsync(socket));
        await SendAsync(socket, f => f.WriteWelcome(new WelcomeMessage(ProtocolLimits.Version, HandshakeProof.Welcome(_secret, challenge, hello.Nonce))));

        // Two MiB of replies, then Shutdown, read only once the worker has gone: they wait in the kernel's buffers.
        // A worker that closed with a reset (SO_LINGER 0) would throw away what its send queue still held.
        await SendAsync(socket, f =>
        {
            for (ulong id = 1; id <= jobs; id++)
            {
                f.WriteJob(id, EchoParameters.Instance, new byte[payloadBytes]);
            }
            f.WriteShutdown();
        });
        await Task.WhenAny(worker.Exited, Task.Delay(TimeSpan.FromSeconds(10)));

        for (ulong id = 1; id <= jobs; id++)
        {
            var result = FrameReader.ReadResult(await ReadFrameAsync(socket));
            Assert.Equal((id, payloadBytes), (result.Id, (int)result.Payload.Length));
        }
        Assert.Empty(await ReadToEndAsync(socket)); // then an orderly end of stream, not a reset
        await worker.Exited.DefaultTimeout();
        Assert.Equal(0, worker.ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Worker_NothingListening_ExitsWithConnectFailed_WithoutRetrying(bool validEndpoint)
    {
        int port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _listener.Stop(); // the port is free now: a connect is refused at once
        var started = Stopwatch.StartNew();

        using var worker = await WorkerProcess.StartAsync(WorkerPath, ["--connect", validEndpoint ? $"tcp://127.0.0.1:{port}" : "tcp://127.0.0.1"], 0, _secret, NullLogger.Instance);
        await worker.Exited.DefaultTimeout();

        Assert.Equal(3, worker.ExitCode);
        // The connect timeout is 10 s; a worker that retried a refusal would still be trying.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"the worker took {started.Elapsed.TotalSeconds:0.0} s to give up");
    }

    [Fact]
    public async Task Listener_GivenAVersion2Hello_AnswersUnsupportedVersion()
    {
        await using var listener = ClusterListener.Start(IPAddress.Loopback, 0, NullLogger.Instance, TimeSpan.FromSeconds(5));
        listener.Expect(0, _secret).ProcessId.SetResult(Environment.ProcessId);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(listener.Endpoint)).DefaultTimeout();
        _ = FrameReader.ReadChallenge(await ReadFrameAsync(socket));

        // [1, 2, worker_id, pid, secret, kernel]: what a version-2 worker sends, the secret in clear.
        byte[] body = MessagePackNotation.Encode($"[1, 2, 0, {Environment.ProcessId}, bin(32), \"Scalar\"]");
        await SendAsync(socket, f =>
        {
            Span<byte> length = stackalloc byte[ProtocolLimits.FrameHeaderSize];
            BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
            f.Output.Write(length);
            f.Output.Write(body);
        });

        var refusal = FrameReader.ReadError(await ReadFrameAsync(socket));
        Assert.Equal(ErrorCode.UnsupportedVersion, refusal.Code);
        Assert.Null(refusal.JobId);
        Assert.Empty(await ReadToEndAsync(socket)); // and the connection is closed
    }

    private static string WorkerPath => WorkerLocator.Find(null, out _) ?? throw new InvalidOperationException("processfarm-worker not built");

    private Task<WorkerProcess> StartWorkerAsync() =>
        WorkerProcess.StartAsync(WorkerPath, ["--connect", $"tcp://{_listener.LocalEndpoint}"], 0, _secret, NullLogger.Instance);

    /// <summary>Everything the peer sends until it closes the connection.</summary>
    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        for (int read; (read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().DefaultTimeout()) > 0;)
        {
            received.AddRange(buffer.AsSpan(0, read));
        }
        return [.. received];
    }
}
