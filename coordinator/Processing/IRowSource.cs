using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Where the rows of a streamed image come from: a decoder, or the generated sample.</summary>
internal interface IRowSource
{
    ImageGeometry Geometry { get; }

    /// <summary>Fills <paramref name="destination"/> with the next <paramref name="rows"/> rows, packed.</summary>
    void Read(Span<byte> destination, int rows);
}
