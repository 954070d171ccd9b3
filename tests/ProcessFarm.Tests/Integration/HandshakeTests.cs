using System.Buffers;
using System.IO.Pipelines;
using System.IO.Pipes;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cli;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>Who may join a pool: only a worker this coordinator started, speaking its version, with its secret.</summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class HandshakeTests
{
    [Theory]
    [InlineData(false, false, ProtocolLimits.Version, ErrorCode.BadSecret)]
    [InlineData(true, false, ProtocolLimits.Version + 1, ErrorCode.UnsupportedVersion)]
    [InlineData(true, true, ProtocolLimits.Version, ErrorCode.BadSecret)] // a Hello recorded on another connection
    public async Task Intruder_IsRefused_AndThePoolStillStarts(bool knowsSecret, bool replays, uint version, ErrorCode expected)
    {
        byte[] secret = Enumerable.Range(1, ProtocolLimits.SecretBytes).Select(i => (byte)i).ToArray();
        var intruder = new TaskCompletionSource<ErrorMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SupervisorOptions
        {
            Secret = secret,
            OnListening = path =>
            {
                // Connected before the worker is spawned, so the intruder is first in the accept queue: a worker
                // accepted first would complete the launch, which then stops listening and resets the rest.
                var client = new NamedPipeClientStream(".", path, PipeDirection.InOut, System.IO.Pipes.PipeOptions.Asynchronous | System.IO.Pipes.PipeOptions.CurrentUserOnly);
                client.Connect(TimeSpan.FromSeconds(10));
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await using (client)
                        {
                            intruder.TrySetResult(await IntrudeAsync(client, knowsSecret ? secret : new byte[ProtocolLimits.SecretBytes], version, replays));
                        }
                    }
                    catch (Exception e)
                    {
                        intruder.TrySetException(e);
                    }
                });
            },
        };

        await using (var supervisor = await WorkerSupervisor.StartAsync(1, options, NullLogger.Instance, TestHelpers.TimeoutToken()).DefaultTimeout())
        {
            Assert.Single(supervisor.Workers);
        }

        var refusal = await intruder.Task.DefaultTimeout();
        Assert.Equal(expected, refusal.Code);
    }

    [Fact]
    public async Task ClientThatConnectsAndSaysNothing_DoesNotHoldTheWorkerUp()
    {
        var silent = new List<NamedPipeClientStream>();
        var log = new StringWriter();
        var options = new SupervisorOptions
        {
            HelloTimeout = TimeSpan.FromMilliseconds(300),
            ReadyTimeout = TimeSpan.FromSeconds(20),
            OnListening = path =>
            {
                // First in the accept queue, and silent: before, it held the only accept until the start timed out.
                var client = new NamedPipeClientStream(".", path, PipeDirection.InOut, System.IO.Pipes.PipeOptions.Asynchronous | System.IO.Pipes.PipeOptions.CurrentUserOnly);
                client.Connect(TimeSpan.FromSeconds(10));
                silent.Add(client);
            },
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        await using (var supervisor = await WorkerSupervisor.StartAsync(1, options, LineLogger.For(log, verbose: false), TestHelpers.TimeoutToken()).DefaultTimeout())
        {
            Assert.Single(supervisor.Workers);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"the worker joined after {started.Elapsed.TotalSeconds:0.0} s");
        }

        // The silent client was not left waiting either: after the Challenge it never answered, the coordinator
        // closed its connection.
        var client = Assert.Single(silent);
        byte[] received = new byte[256];
        int total = 0;
        for (int read; (read = await client.ReadAsync(received.AsMemory(total)).AsTask().DefaultTimeout()) > 0;)
        {
            total += read;
        }
        Assert.Equal(4 + 2 + 2 + ProtocolLimits.NonceBytes, total); // [10, bin 32]: the Challenge, nothing else
        client.Dispose();
    }

    [Fact]
    public async Task WorkerGivenTheWrongSecret_ExitsWithHandshakeRefused()
    {
        // The worker is ours and started by the pool, but we hand it a secret the pool does not expect.
        string worker = WorkerLocator.Find(null, out _)!;
        using var listener = PipeListener.Create();
        var server = listener.CreateServer();
        using var process = WorkerProcess.Start(worker, listener.PipePath, 0, new byte[ProtocolLimits.SecretBytes], NullLogger.Instance);
        await server.WaitForConnectionAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        await using var connection = new WorkerConnection(server, NullLogger.Instance) { Process = process };
        await connection.SendChallengeAsync().DefaultTimeout();
        var hello = await connection.ReadHelloAsync(TestHelpers.TimeoutToken()).DefaultTimeout();

        var refusal = WorkerLauncher.Validate(hello, Enumerable.Repeat((byte)7, ProtocolLimits.SecretBytes).ToArray(), connection.Challenge, 0, process.ProcessId, process.ProcessId);
        Assert.NotNull(refusal);
        await connection.SendErrorAsync(refusal);

        await process.Exited.DefaultTimeout();
        Assert.Equal(4, process.ExitCode); // HandshakeRefused
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 2, 0x92, 0x02, 0x01 })] // the length says 2, the array wants 3 bytes
    [InlineData(new byte[] { 0x7f, 0xff, 0xff, 0xff })] // a length far above the limit
    public async Task WorkerGivenAMalformedAnswer_ExitsWithHandshakeRefused_NotACrash(byte[] answer)
    {
        string worker = WorkerLocator.Find(null, out _)!;
        using var listener = PipeListener.Create();
        var server = listener.CreateServer();
        byte[] secret = new byte[ProtocolLimits.SecretBytes];
        using var process = WorkerProcess.Start(worker, listener.PipePath, 0, secret, NullLogger.Instance);
        await server.WaitForConnectionAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        await using var connection = new WorkerConnection(server, NullLogger.Instance) { Process = process };
        await connection.SendChallengeAsync().DefaultTimeout();
        await connection.ReadHelloAsync(TestHelpers.TimeoutToken()).DefaultTimeout();

        await connection.SendAsync(answer, static (frames, a) => frames.Output.Write(a));

        await process.Exited.DefaultTimeout();
        Assert.Equal(4, process.ExitCode); // HandshakeRefused, not the runtime's crash code
    }

    private static async Task<ErrorMessage> IntrudeAsync(NamedPipeClientStream client, byte[] secret, uint version, bool replays)
    {
        var reader = PipeReader.Create(client);
        byte[] challenge = FrameReader.ReadChallenge(await ReadFrameAsync(reader));
        // A replayed Hello answers some other connection's challenge: its proof is right, but not for this one.
        byte[] answered = replays ? new byte[ProtocolLimits.NonceBytes] : challenge;
        byte[] nonce = new byte[ProtocolLimits.NonceBytes];
        var writer = PipeWriter.Create(client);
        new FrameWriter(writer).WriteHello(new HelloMessage(version, 0, Environment.ProcessId, HandshakeProof.Hello(secret, answered, nonce, 0, Environment.ProcessId), "none", nonce));
        await writer.FlushAsync();
        return FrameReader.ReadError(await ReadFrameAsync(reader));
    }

    private static async Task<ReadOnlySequence<byte>> ReadFrameAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync(TestHelpers.TimeoutToken());
            var buffer = read.Buffer;
            if (FrameReader.TryReadFrame(ref buffer, out var body))
            {
                var copy = new ReadOnlySequence<byte>(body.ToArray());
                reader.AdvanceTo(buffer.Start);
                return copy;
            }
            if (read.IsCompleted)
            {
                throw new InvalidOperationException("closed without an Error frame");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
