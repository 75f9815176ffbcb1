//! Property tests for the value relations of `kg::eval::compare`: the total
//! order is a total order, and equality, comparison, equivalence and hashing
//! agree with it.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;

use kg::eval::{compare, equals, equivalent, order, HashKey};
use kg::value::{Date, ValueMap};
use kg::Value;

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(Value::Int),
        prop_oneof![Just(i64::MIN), Just(i64::MAX)].prop_map(Value::Int),
        prop_oneof![
            (-3i64..4).prop_map(|i| i as f64),
            Just(0.5),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(9.223_372_036_854_776e18),
        ]
        .prop_map(Value::Float),
        "[ab]{0,2}".prop_map(Value::String),
        (1999i32..2002, proptest::option::of(1u8..3)).prop_map(|(year, month)| {
            Value::Date(Date {
                year,
                month,
                day: None,
            })
        }),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::List),
            prop::collection::vec(("[kl]", inner), 0..3).prop_map(|entries| {
                let mut m = ValueMap::default();
                for (k, v) in entries {
                    m.insert(k, v);
                }
                Value::Map(m)
            }),
        ]
    })
}

fn hash_of(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    HashKey::new(v.clone()).hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn order_is_antisymmetric(a in value(), b in value()) {
        prop_assert_eq!(order(&a, &b), order(&b, &a).reverse());
        prop_assert_eq!(order(&a, &a), Ordering::Equal);
    }

    #[test]
    fn order_is_transitive(a in value(), b in value(), c in value()) {
        let mut v = [a, b, c];
        v.sort_by(order);
        prop_assert_ne!(order(&v[0], &v[1]), Ordering::Greater);
        prop_assert_ne!(order(&v[1], &v[2]), Ordering::Greater);
        prop_assert_ne!(order(&v[0], &v[2]), Ordering::Greater);
    }

    #[test]
    fn equal_values_are_equivalent_and_order_equal(a in value(), b in value()) {
        if equals(&a, &b) == Some(true) {
            prop_assert!(equivalent(&a, &b));
            prop_assert_eq!(order(&a, &b), Ordering::Equal);
        }
        prop_assert_eq!(equals(&a, &b), equals(&b, &a));
    }

    #[test]
    fn equivalence_agrees_with_hashing(a in value(), b in value()) {
        if equivalent(&a, &b) {
            prop_assert_eq!(hash_of(&a), hash_of(&b));
            prop_assert!(HashKey::new(a.clone()) == HashKey::new(b.clone()));
        }
        prop_assert!(equivalent(&a, &a), "equivalence is reflexive, NaN and null included");
    }

    #[test]
    fn comparison_agrees_with_the_total_order(a in value(), b in value()) {
        if let Some(o) = compare(&a, &b) {
            prop_assert_eq!(o, order(&a, &b));
            prop_assert_eq!(compare(&b, &a), Some(o.reverse()));
        }
    }
}
