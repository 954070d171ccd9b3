using System.Buffers;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>The frame channel: a second path, in shared memory, for small frames (docs/PROTOCOL.md section 5).</summary>
internal sealed partial class WorkerConnection
{
    /// <summary>The id of the Channel request; job ids count up from 1 and never reach it.</summary>
    internal const ulong ChannelRequestId = ulong.MaxValue;

    // Frames are staged in _postBuffer before they go into a slot, and the receive thread copies each reply out
    // of its slot into _slot.
    private readonly ArrayBufferWriter<byte> _postBuffer = new(FrameChannel.MaxFrameBytes);
    private readonly FrameWriter _postFrames;
    private readonly byte[] _slot = new byte[FrameChannel.MaxFrameBytes];
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private FrameChannel? _channel;
    private TaskCompletionSource? _channelOpened;
    private bool _channelReady;

    /// <summary>The frame channel once <see cref="OpenChannelAsync"/> created it, else null.</summary>
    internal FrameChannel? Channel => Volatile.Read(ref _channel);

    /// <summary>
    /// Sends one small frame (a shm descriptor) through the channel once <see cref="OpenChannelAsync"/> has
    /// opened it, waking the worker through the socket only if it was asleep; on the socket otherwise, or when
    /// the frame does not fit a slot or the ring is full.
    /// </summary>
    /// <exception cref="WorkerFailedException">The worker is gone or stopped reading.</exception>
    public Task PostAsync<TState>(TState state, Action<FrameWriter, TState> write) =>
        PostAsync((state, write), static (frames, s) =>
        {
            s.write(frames, s.state);
            return true;
        });

    /// <summary>As <see cref="PostAsync{TState}(TState, Action{FrameWriter, TState})"/>; <paramref name="write"/> returns false when it wrote nothing.</summary>
    private async Task PostAsync<TState>(TState state, Func<FrameWriter, TState, bool> write)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_channelReady)
            {
                _postBuffer.ResetWrittenCount();
                if (!write(_postFrames, state))
                {
                    return;
                }
                if (_channel!.TryPublish(_postBuffer.WrittenSpan))
                {
                    if (!_channel.PeerParked)
                    {
                        return; // the worker is spinning on the ring: no system call at all
                    }
                    _frames.WriteWake();
                }
                else
                {
                    _output.Write(_postBuffer.WrittenSpan);
                }
            }
            else if (!write(_frames, state))
            {
                return;
            }
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Creates this connection's frame channel in <paramref name="directory"/> and has the worker map it; from
    /// then on posts use it. Does nothing when a channel was created already (callers racing
    /// to open it wait for the first); if that one failed, sends keep to the socket.
    /// </summary>
    /// <exception cref="SharedMemoryException">The channel's file cannot be created.</exception>
    /// <exception cref="WorkerFailedException">The worker refused the channel or is gone.</exception>
    /// <exception cref="OperationCanceledException">The wait for the worker's answer was cancelled.</exception>
    public async Task OpenChannelAsync(string directory, CancellationToken cancellationToken)
    {
        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _channel) is null)
            {
                await CreateChannelAsync(directory, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private async Task CreateChannelAsync(string directory, CancellationToken cancellationToken)
    {
        var channel = FrameChannel.Create(directory);
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _channelOpened = opened;
        // Published before the request goes out: the receive thread, woken by the reply on the socket, waits on
        // the channel's ring from its next turn on, before any frame can arrive there.
        Volatile.Write(ref _channel, channel);
        // If this fails the worker never maps it or is gone; the receive thread may still look at the ring, so the
        // channel stays mapped until the connection is disposed, and sends keep to the socket.
        await SendAsync(new AttachRequest(ChannelRequestId, channel.AttachPath, channel.TotalBytes), static (frames, c) => frames.WriteChannel(c)).ConfigureAwait(false);
        await opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        _channelReady = true;
        _sendLock.Release();
    }

    private async Task DisposeChannelAsync()
    {
        if (_channel is { } channel && Completion.IsCompleted && await _sendLock.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            // Nobody reads the ring any more (the receive thread is done) and nobody writes it (the send lock).
            _channelReady = false;
            channel.Dispose();
            _sendLock.Release();
        }
    }
}
