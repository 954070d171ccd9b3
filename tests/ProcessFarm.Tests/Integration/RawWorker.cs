using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// A real worker process behind a hand-driven connection: the test plays coordinator, sends what it likes
/// (including garbage) and reads each reply.
/// </summary>
internal sealed class RawWorker : IAsyncDisposable, IReplyHandler
{
    private readonly Channel<Reply> _replies = Channel.CreateUnbounded<Reply>();

    private RawWorker(WorkerConnection connection, WorkerProcess process)
    {
        Connection = connection;
        Process = process;
    }

    public WorkerConnection Connection { get; }

    public WorkerProcess Process { get; }

    public static async Task<RawWorker> StartAsync()
    {
        byte[] secret = new byte[ProtocolLimits.SecretBytes];
        Random.Shared.NextBytes(secret);
        string worker = WorkerLocator.Find(null, out _) ?? throw new InvalidOperationException("processfarm-worker not built");
        using var listener = PipeListener.Create();
        var server = listener.CreateServer();
        var process = WorkerProcess.Start(worker, listener.PipePath, 0, secret, NullLogger.Instance);
        await server.WaitForConnectionAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        var connection = new WorkerConnection(server, NullLogger.Instance) { Process = process };
        await connection.SendChallengeAsync().DefaultTimeout();
        var hello = await connection.ReadHelloAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        if (WorkerLauncher.Validate(hello, secret, connection.Challenge, 0, process.ProcessId, process.ProcessId) is { } refusal)
        {
            throw new InvalidOperationException($"the worker's Hello does not match what it was given: {refusal.Message}");
        }
        var raw = new RawWorker(connection, process);
        connection.SetHandler(raw);
        await connection.SendWelcomeAsync(secret);
        return raw;
    }

    public Task SendAsync(Action<FrameWriter> write) =>
        Connection.SendAsync(write, static (frames, w) => w(frames)).DefaultTimeout();

    /// <summary>Sends a small frame through the channel once one is open.</summary>
    public Task PostAsync(Action<FrameWriter> write) =>
        Connection.PostAsync(write, static (frames, w) => w(frames)).DefaultTimeout();

    /// <summary>Sends bytes as they are: a frame, part of one, or garbage.</summary>
    public Task SendRawAsync(byte[] bytes) => SendAsync(frames => frames.Output.Write(bytes));

    public async Task<Reply> ReceiveAsync() => await _replies.Reader.ReadAsync(TestHelpers.TimeoutToken()).AsTask().DefaultTimeout();

    public void OnResult(WorkerConnection worker, in JobResult result) =>
        _replies.Writer.TryWrite(new Reply(MessageType.Result, result.Id, result.Payload.ToArray(), null));

    public void OnError(WorkerConnection worker, ErrorMessage error) =>
        _replies.Writer.TryWrite(new Reply(MessageType.Error, error.JobId ?? 0, [], error));

    public void OnDisconnected(WorkerConnection worker, Exception? error) => _replies.Writer.TryComplete();

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Process.WaitOrKillAsync(TimeSpan.FromSeconds(10));
        Process.Dispose();
    }

    public sealed record Reply(MessageType Type, ulong Id, byte[] Payload, ErrorMessage? Error);
}
