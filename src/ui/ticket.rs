//! The order ticket as a state machine: fields edited as you type, checked
//! against the instrument's filters on every key, then a confirmation step.
//!
//! Numbers stay the trader's decimal strings until checked, and are parsed
//! at the instrument's scales ([`Price::parse_unsigned`], [`Qty::parse_unsigned`]),
//! never through `f64`, so what is confirmed is exactly what is sent.

use crate::domain::{FixedError, InstrumentId, Notional, OrderIntent, Price, Qty, Side, StrategyId};
use crate::ui::model::SymbolView;
use std::fmt;

/// Longest text a number field takes: enough for any `i64` mantissa and a point.
const MAX_FIELD_LEN: usize = 24;

/// The two order types the ticket offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketKind {
    /// Sent IOC: what does not fill at once expires.
    Market,
    /// Sent GTC at the typed price.
    Limit,
}

impl TicketKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Market => "MARKET",
            Self::Limit => "LIMIT",
        }
    }
}

/// The ticket's fields, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Side,
    Kind,
    Qty,
    Price,
}

impl Field {
    pub const ALL: [Self; 4] = [Self::Side, Self::Kind, Self::Qty, Self::Price];

    pub const fn label(self) -> &'static str {
        match self {
            Self::Side => "side",
            Self::Kind => "type",
            Self::Qty => "quantity",
            Self::Price => "price",
        }
    }
}

/// Editing the fields, or showing the summary and waiting for a second Enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Editing,
    Confirming,
}

/// What the app passes in after mapping a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketInput {
    Char(char),
    Backspace,
    NextField,
    PrevField,
    /// Flip the focused choice (side or type).
    Toggle,
    Enter,
    Esc,
}

/// What the app should do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketOutcome {
    /// Keep the ticket open and redraw it.
    Pending,
    /// Close it; nothing is sent.
    Cancelled,
    /// Close it and send this intent.
    Submit(OrderIntent),
}

/// Why the ticket cannot be sent yet, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketError {
    pub field: Field,
    pub message: String,
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.label(), self.message)
    }
}

/// The numbers of a valid ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub qty: Qty,
    /// The limit price; `None` for market orders.
    pub price: Option<Price>,
    /// Price × quantity: at the limit, or estimated from the book for market orders.
    pub notional: Option<Notional>,
}

/// A manual order being entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub symbol_index: usize,
    pub symbol: String,
    pub side: Side,
    pub kind: TicketKind,
    pub qty: String,
    pub price: String,
    pub focus: Field,
    pub stage: Stage,
    /// Quote asset for the notional (`USDT`), guessed from the symbol unless set.
    pub quote: String,
    price_scale: u8,
    qty_scale: u8,
    tick: Price,
    step: Qty,
    min_qty: Qty,
    min_notional: Option<Notional>,
    /// What a buy and a sell would pay now (best ask, best bid, else last).
    ref_buy: Option<Price>,
    ref_sell: Option<Price>,
    /// Whether the trader typed a price (else a side change re-prefills it).
    price_edited: bool,
}

impl Ticket {
    /// A limit ticket prefilled from the book: a buy at the best ask, a sell at
    /// the best bid, else the last price; the quantity is the minimum (or one step).
    pub fn new(side: Side, symbol_index: usize, view: &SymbolView) -> Self {
        let ref_buy = view.book.map(|b| b.ask).or(view.last);
        let ref_sell = view.book.map(|b| b.bid).or(view.last);
        let qty = [view.min_qty, view.step_size, Qty(1)].into_iter().find(|q| q.0 > 0).unwrap_or(Qty(1));
        let mut t = Self {
            symbol_index,
            symbol: view.symbol.clone(),
            side,
            kind: TicketKind::Limit,
            qty: qty.display(view.qty_scale).to_string(),
            price: String::new(),
            focus: Field::Qty,
            stage: Stage::Editing,
            quote: guess_quote(&view.symbol).to_string(),
            price_scale: view.price_scale,
            qty_scale: view.qty_scale,
            tick: view.tick_size,
            step: view.step_size,
            min_qty: view.min_qty,
            min_notional: None,
            ref_buy,
            ref_sell,
            price_edited: false,
        };
        t.prefill_price();
        t
    }

    /// Adds the exchange's minimum notional, checked when known; an
    /// untouched quantity grows to the smallest step multiple that meets it,
    /// so the prefilled ticket can be sent as is.
    pub fn with_min_notional(mut self, min: Notional) -> Self {
        self.min_notional = (min > Notional::ZERO).then_some(min);
        let price = match self.side {
            Side::Buy => self.ref_buy,
            Side::Sell => self.ref_sell,
        };
        if let (Some(min), Some(price), Ok(qty)) = (self.min_notional, price, Qty::parse(&self.qty, self.qty_scale)) {
            let step = if self.step.0 > 0 { self.step.0 } else { 1 };
            let per_step = Notional::of(price, Qty(step), self.price_scale, self.qty_scale);
            if per_step.0 > 0 && Notional::of(price, qty, self.price_scale, self.qty_scale) < min {
                // Exact ceiling division in notional units.
                let steps = (min.0 + per_step.0 - 1) / per_step.0;
                if let Ok(steps) = i64::try_from(steps) {
                    let q = Qty(steps.saturating_mul(step).max(self.min_qty.0));
                    self.qty = q.display(self.qty_scale).to_string();
                }
            }
        }
        self
    }

    fn prefill_price(&mut self) {
        let p = match self.side {
            Side::Buy => self.ref_buy,
            Side::Sell => self.ref_sell,
        };
        self.price = p.map(|p| p.display(self.price_scale).to_string()).unwrap_or_default();
    }

    /// The fields that take focus: the price only for limit orders.
    pub fn fields(&self) -> &'static [Field] {
        match self.kind {
            TicketKind::Limit => &Field::ALL,
            TicketKind::Market => &[Field::Side, Field::Kind, Field::Qty],
        }
    }

    fn move_focus(&mut self, forward: bool) {
        let fields = self.fields();
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        self.focus = fields[if forward { (i + 1) % n } else { (i + n - 1) % n }];
    }

    fn toggle(&mut self) {
        match self.focus {
            Field::Side => self.set_side(self.side.opposite()),
            Field::Kind => {
                self.kind = match self.kind {
                    TicketKind::Market => TicketKind::Limit,
                    TicketKind::Limit => TicketKind::Market,
                }
            }
            Field::Qty | Field::Price => {}
        }
    }

    fn set_side(&mut self, side: Side) {
        self.side = side;
        if !self.price_edited {
            self.prefill_price();
        }
    }

    fn type_char(&mut self, c: char) {
        match (self.focus, c.to_ascii_lowercase()) {
            (Field::Side, 'b') => self.set_side(Side::Buy),
            (Field::Side, 's') => self.set_side(Side::Sell),
            (Field::Kind, 'm') => self.kind = TicketKind::Market,
            (Field::Kind, 'l') => self.kind = TicketKind::Limit,
            (Field::Side | Field::Kind, ' ') => self.toggle(),
            (Field::Side | Field::Kind, _) => {}
            (Field::Qty, _) if !c.is_control() && self.qty.len() < MAX_FIELD_LEN => self.qty.push(c),
            (Field::Price, _) if !c.is_control() && self.price.len() < MAX_FIELD_LEN => {
                self.price.push(c);
                self.price_edited = true;
            }
            _ => {}
        }
    }

    fn backspace(&mut self) {
        match self.focus {
            Field::Qty => {
                self.qty.pop();
            }
            Field::Price => {
                self.price.pop();
                self.price_edited = true;
            }
            Field::Side | Field::Kind => {}
        }
    }

    /// Applies one input and says what the app should do.
    pub fn on_input(&mut self, input: TicketInput) -> TicketOutcome {
        match (self.stage, input) {
            (Stage::Editing, TicketInput::Esc) => return TicketOutcome::Cancelled,
            (Stage::Confirming, TicketInput::Esc) => self.stage = Stage::Editing,
            (Stage::Confirming, TicketInput::Enter) => {
                if let Ok(intent) = self.intent() {
                    return TicketOutcome::Submit(intent);
                }
                self.stage = Stage::Editing;
            }
            (Stage::Confirming, _) => {}
            (Stage::Editing, TicketInput::Enter) => match self.check() {
                Ok(_) => self.stage = Stage::Confirming,
                Err(e) => self.focus = e.field,
            },
            (Stage::Editing, TicketInput::NextField) => self.move_focus(true),
            (Stage::Editing, TicketInput::PrevField) => self.move_focus(false),
            (Stage::Editing, TicketInput::Toggle) => self.toggle(),
            (Stage::Editing, TicketInput::Backspace) => self.backspace(),
            (Stage::Editing, TicketInput::Char(c)) => self.type_char(c),
        }
        TicketOutcome::Pending
    }

    /// Checks every field against the instrument's filters.
    pub fn check(&self) -> Result<Checked, TicketError> {
        let qty = parse_field(Field::Qty, &self.qty, self.qty_scale, Qty::parse_unsigned, |q| q.0)?;
        if self.step.0 > 0 && qty.0 % self.step.0 != 0 {
            let step = self.step.display(self.qty_scale);
            return Err(err(Field::Qty, format!("{} is not a multiple of the step {step}", self.qty)));
        }
        if qty < self.min_qty {
            let min = self.min_qty.display(self.qty_scale);
            return Err(err(Field::Qty, format!("{} is below the minimum {min}", self.qty)));
        }
        let price = match self.kind {
            TicketKind::Market => None,
            TicketKind::Limit => {
                let p = parse_field(Field::Price, &self.price, self.price_scale, Price::parse_unsigned, |p| p.0)?;
                if self.tick.0 > 0 && p.0 % self.tick.0 != 0 {
                    let tick = self.tick.display(self.price_scale);
                    return Err(err(Field::Price, format!("{} is not on the tick {tick}", self.price)));
                }
                Some(p)
            }
        };
        let reference = price.or(match self.side {
            Side::Buy => self.ref_buy,
            Side::Sell => self.ref_sell,
        });
        let notional = reference.map(|p| Notional::of(p, qty, self.price_scale, self.qty_scale));
        if let Some((n, min)) = notional.zip(self.min_notional).filter(|(n, min)| n < min) {
            let field = if price.is_some() { Field::Price } else { Field::Qty };
            let shown = n.display_rounded(self.price_scale);
            return Err(err(
                field,
                format!("notional {shown} {} is below the minimum {min} {}", self.quote, self.quote),
            ));
        }
        Ok(Checked { qty, price, notional })
    }

    /// The intent a confirmed ticket sends: limit GTC or market IOC, by hand.
    pub fn intent(&self) -> Result<OrderIntent, TicketError> {
        let c = self.check()?;
        let id = InstrumentId(u32::try_from(self.symbol_index).unwrap_or(u32::MAX));
        Ok(match c.price {
            Some(p) => OrderIntent::limit(id, self.side, c.qty, p, StrategyId::MANUAL),
            None => OrderIntent::market(id, self.side, c.qty, StrategyId::MANUAL),
        })
    }

    /// `BUY 0.01000 BTCUSDT LIMIT @ 96850.00 ≈ 968.50 USDT`, from the checked numbers.
    pub fn summary(&self) -> Result<String, TicketError> {
        let c = self.check()?;
        let mut s = format!("{} {} {} {}", self.side, c.qty.display(self.qty_scale), self.symbol, self.kind.as_str());
        if let Some(p) = c.price {
            s.push_str(&format!(" @ {}", p.display(self.price_scale)));
        }
        if let Some(n) = c.notional {
            s.push_str(&format!(" ≈ {}", n.display_rounded(self.price_scale)));
            if !self.quote.is_empty() {
                s.push(' ');
                s.push_str(&self.quote);
            }
        }
        Ok(s)
    }
}

fn err(field: Field, message: String) -> TicketError {
    TicketError { field, message }
}

/// Parses a number field at `scale`, naming the problem in trader's terms.
fn parse_field<T: Copy>(
    field: Field,
    text: &str,
    scale: u8,
    parse: fn(&[u8], u8) -> Result<T, FixedError>,
    raw: fn(T) -> i64,
) -> Result<T, TicketError> {
    if text.is_empty() {
        return Err(err(field, "empty; type a number".into()));
    }
    let v = parse(text.as_bytes(), scale).map_err(|e| match e {
        FixedError::TooManyDecimals { scale } => err(field, format!("at most {scale} decimals")),
        FixedError::Overflow => err(field, format!("{text} is too large")),
        _ => err(field, format!("{text:?} is not a number")),
    })?;
    if raw(v) <= 0 {
        return Err(err(field, "must be above zero".into()));
    }
    Ok(v)
}

/// The quote asset by the symbol's suffix (`BTCUSDT` → `USDT`), or empty.
fn guess_quote(symbol: &str) -> &str {
    const QUOTES: [&str; 12] =
        ["USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH", "BNB", "TRY", "BRL"];
    QUOTES
        .iter()
        .find(|q| symbol.len() > q.len() && symbol.ends_with(*q))
        .map_or("", |q| &symbol[symbol.len() - q.len()..])
}

#[cfg(test)]
mod tests;
