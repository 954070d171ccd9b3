using System.Buffers;
using System.Diagnostics;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Worker;

/// <summary>The frame channel: descriptors in and replies out through shared memory (docs/PROTOCOL.md section 5).</summary>
internal sealed partial class WorkerSession : IDisposable
{
    /// <summary>
    /// Answers every frame waiting in the channel; each reply goes back through the channel (or the socket when
    /// it does not fit a slot or the ring is full), and a parked coordinator gets a Wake on the socket.
    /// </summary>
    private void ServeChannel(FrameChannel channel)
    {
        bool wake = false;
        bool spilled = false;
        while (channel.TryTakeFrame(_slot, out var body))
        {
            _channelReply.ResetWrittenCount();
            Handle(body, _channelFrames);
            if (channel.TryPublish(_channelReply.WrittenSpan))
            {
                wake = wake || channel.PeerParked;
            }
            else
            {
                _output.Write(_channelReply.WrittenSpan);
                spilled = true;
            }
        }
        if (wake)
        {
            _frames.WriteWake();
        }
        if (wake || spilled)
        {
            PipeTransport.FlushBlocking(_output);
        }
    }

    private void OpenChannel(AttachRequest request, FrameWriter replies)
    {
        long started = Stopwatch.GetTimestamp();
        FrameChannel channel;
        try
        {
            channel = FrameChannel.Open(request.Path, request.Size);
        }
        catch (SharedMemoryException e)
        {
            throw new ProtocolException(ErrorCode.RegionInvalid, e.Message, e);
        }
        _channel?.Dispose();
        _channel = channel;
        replies.WriteResult(request.JobId, new WorkerTimings(0, (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds));
    }
}
