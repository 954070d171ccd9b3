using System.Buffers;
using System.Buffers.Binary;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// A worker connection's second path for small frames: two single-producer, single-consumer rings of frames in a
/// shared region (coordinator to worker, worker to coordinator), so a descriptor and its reply cross without a
/// system call while both sides are awake. A consumer spins on the ring it reads for a moment, then parks: it
/// sets its parked flag and sleeps on the socket, and a producer that finds the flag set after publishing sends
/// a Wake frame there. docs/PROTOCOL.md ("Channel") gives the layout byte by byte.
/// </summary>
/// <remarks>
/// One thread produces and one consumes on each side; <see cref="TryPublish"/> is called under the connection's
/// send lock, <see cref="TryTake"/> and <see cref="Wait"/> by its one reading thread.
/// </remarks>
public sealed unsafe class FrameChannel : IDisposable
{
    /// <summary>Bytes per slot: one whole frame (4-byte length and body) per slot.</summary>
    public const int SlotBytes = 256;

    /// <summary>Slots per ring; at most this many frames wait unread in one direction.</summary>
    public const int SlotCount = 64;

    /// <summary>Bytes of the control page at the start of the data area.</summary>
    public const int ControlBytes = 4096;

    /// <summary>Bytes of the region's data area: the control page, then the two rings' slots.</summary>
    public const long DataBytes = ControlBytes + (2L * SlotCount * SlotBytes);

    // Offsets in the control page, each on its own cache line so the two sides do not share one they write.
    private const int RequestPublishedOffset = 0;
    private const int RequestConsumedOffset = 64;
    private const int WorkerParkedOffset = 128;
    private const int ResponsePublishedOffset = 192;
    private const int ResponseConsumedOffset = 256;
    private const int CoordinatorParkedOffset = 320;

    private readonly SharedRegion _region;
    private readonly Ring _outgoing;
    private readonly Ring _incoming;
    private readonly uint* _parked;
    private readonly uint* _peerParked;

    private FrameChannel(SharedRegion region, bool coordinator)
    {
        _region = region;
        byte* control = region.Data;
        var requests = new Ring((ulong*)(control + RequestPublishedOffset), (ulong*)(control + RequestConsumedOffset), control + ControlBytes);
        var responses = new Ring((ulong*)(control + ResponsePublishedOffset), (ulong*)(control + ResponseConsumedOffset), control + ControlBytes + (SlotCount * SlotBytes));
        _outgoing = coordinator ? requests : responses;
        _incoming = coordinator ? responses : requests;
        _parked = (uint*)(control + (coordinator ? CoordinatorParkedOffset : WorkerParkedOffset));
        _peerParked = (uint*)(control + (coordinator ? WorkerParkedOffset : CoordinatorParkedOffset));
    }

    /// <summary>The largest frame (length prefix included) a slot holds; larger ones go on the socket.</summary>
    public const int MaxFrameBytes = SlotBytes;

    /// <summary>The path the worker opens (see <see cref="SharedRegion.AttachPath"/>).</summary>
    public string AttachPath => _region.AttachPath;

    /// <summary>The region's size, announced in the Channel message.</summary>
    public long TotalBytes => _region.TotalBytes;

    /// <summary>Frames this side has published on its outgoing ring so far.</summary>
    public ulong Published => Volatile.Read(ref *_outgoing.Published);

    /// <summary>Frames this side has taken from its incoming ring so far.</summary>
    public ulong Taken => Volatile.Read(ref *_incoming.Consumed);

    /// <summary>The coordinator's side: creates a zeroed channel region in <paramref name="directory"/>.</summary>
    /// <exception cref="SharedMemoryException">The directory is missing or full.</exception>
    public static FrameChannel Create(string directory) => new(SharedRegion.Create(directory, DataBytes), coordinator: true);

    /// <summary>The worker's side: opens the coordinator's channel region.</summary>
    /// <exception cref="SharedMemoryException">The file cannot be opened, or it is not a channel.</exception>
    public static FrameChannel Open(string path, long totalBytes)
    {
        var region = SharedRegion.Open(path, totalBytes);
        long dataBytes = region.DataBytes;
        if (dataBytes != DataBytes)
        {
            region.Dispose();
            throw new SharedMemoryException($"'{path}' is a region of {dataBytes} data bytes, not a {DataBytes}-byte channel");
        }
        return new FrameChannel(region, coordinator: false);
    }

    /// <summary>
    /// Copies one whole frame into the next free outgoing slot and publishes it. False when the frame is larger
    /// than a slot or every slot is still unread: the caller sends it on the socket instead.
    /// </summary>
    /// <returns>True when published; then check <see cref="PeerParked"/>.</returns>
    public bool TryPublish(ReadOnlySpan<byte> frame)
    {
        ulong published = *_outgoing.Published; // only this side writes it
        if (frame.Length > MaxFrameBytes || published - Volatile.Read(ref *_outgoing.Consumed) >= SlotCount)
        {
            return false;
        }
        frame.CopyTo(new Span<byte>(_outgoing.Slot(published), SlotBytes));
        Volatile.Write(ref *_outgoing.Published, published + 1); // release: the slot's bytes before the count
        return true;
    }

    /// <summary>
    /// After <see cref="TryPublish"/>: whether the peer sleeps on its socket and must be sent a Wake frame. The
    /// full fence pairs with the one in <see cref="SocketIo.Wait"/>: either the peer sees the new frame before it
    /// sleeps, or this sees its parked flag.
    /// </summary>
    public bool PeerParked
    {
        get
        {
            Interlocked.MemoryBarrier();
            return Volatile.Read(ref *_peerParked) != 0;
        }
    }

    /// <summary>Copies the next incoming frame (length prefix included) into <paramref name="destination"/> and frees its slot.</summary>
    /// <returns>The frame's length, or 0 when the ring is empty.</returns>
    /// <exception cref="InvalidDataException">The slot's length prefix does not fit the slot.</exception>
    public int TryTake(Span<byte> destination)
    {
        ulong consumed = *_incoming.Consumed; // only this side writes it
        if (Volatile.Read(ref *_incoming.Published) == consumed) // acquire: the count before the slot's bytes
        {
            return 0;
        }
        byte* slot = _incoming.Slot(consumed);
        uint bodyBytes = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(slot, 4));
        if (bodyBytes > MaxFrameBytes - 4)
        {
            throw new InvalidDataException($"channel slot {consumed % SlotCount} declares a {bodyBytes}-byte frame; a slot holds {MaxFrameBytes - 4}");
        }
        int length = 4 + (int)bodyBytes;
        new ReadOnlySpan<byte>(slot, length).CopyTo(destination);
        Volatile.Write(ref *_incoming.Consumed, consumed + 1); // release: done reading the slot
        return length;
    }

    /// <summary>
    /// Takes the next incoming frame into <paramref name="buffer"/> (at least <see cref="MaxFrameBytes"/> long) and
    /// gives its body, as <see cref="FrameReader.TryReadFrame(ref System.Buffers.ReadOnlySequence{byte}, out System.Buffers.ReadOnlySequence{byte})"/> would from the socket.
    /// </summary>
    /// <returns>False when the ring is empty.</returns>
    /// <exception cref="ProtocolException">The slot's length prefix does not fit the slot (<see cref="ErrorCode.Malformed"/>).</exception>
    public bool TryTakeFrame(byte[] buffer, out ReadOnlySequence<byte> body)
    {
        int length;
        try
        {
            length = TryTake(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new ProtocolException(ErrorCode.Malformed, e.Message, e);
        }
        // TryTake checked the prefix against the bytes it copied: the body is the rest.
        body = length == 0 ? default : new ReadOnlySequence<byte>(buffer, 4, length - 4);
        return length != 0;
    }

    /// <summary>
    /// Waits until a frame is published on the incoming ring or <paramref name="socket"/> is readable: spins for
    /// <paramref name="spinNs"/>, then parks (sets this side's flag)
    /// and sleeps in poll.
    /// </summary>
    public WaitReady Wait(int socket, long spinNs) =>
        SocketIo.Wait(socket, _incoming.Published, *_incoming.Consumed, _parked, spinNs, timeoutMs: -1);

    /// <inheritdoc/>
    public void Dispose() => _region.Dispose();

    private readonly struct Ring(ulong* published, ulong* consumed, byte* slots)
    {
        /// <summary>Frames the producer has published (a count that only grows).</summary>
        public ulong* Published { get; } = published;

        /// <summary>Frames the consumer has taken.</summary>
        public ulong* Consumed { get; } = consumed;

        /// <summary>Frame number <paramref name="sequence"/>'s slot.</summary>
        public byte* Slot(ulong sequence) => slots + ((long)(sequence % SlotCount) * SlotBytes);
    }
}
