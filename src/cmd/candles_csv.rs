//! `--candles-out`: every closed candle as one CSV row, decimals exact at the
//! instrument's scale.

use crate::domain::{Candle, Instruments};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub const HEADER: &str = "symbol,timeframe,open_time_ms,open,high,low,close,volume,trades";

pub struct CandleCsv {
    out: BufWriter<File>,
    rows: u64,
}

impl CandleCsv {
    pub fn create(path: &Path) -> io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "{HEADER}")?;
        Ok(Self { out, rows: 0 })
    }

    pub fn write(&mut self, c: &Candle, instruments: &Instruments) -> io::Result<()> {
        let Some(i) = instruments.try_get(c.instrument) else { return Ok(()) };
        let (ps, qs) = (i.price_scale, i.qty_scale);
        writeln!(
            self.out,
            "{},{},{},{},{},{},{},{},{}",
            i.symbol,
            c.timeframe,
            c.open_time_ms,
            c.open.display(ps),
            c.high.display(ps),
            c.low.display(ps),
            c.close.display(ps),
            c.volume.display(qs),
            c.trades
        )?;
        self.rows += 1;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.rows)
    }
}
